//! Hostile and broken input, from the engine and from Okta: envelopes, arguments and
//! parameters that are wrong are refused before any request; no login or id can widen a user
//! lookup; the API token never appears in any output, whatever Okta echoes back; and arbitrary
//! envelopes (a property test) always give one valid document.

mod common;

use std::net::TcpListener;

use okta_it_admin::replay::{Fixture, replay};
use okta_it_admin::sim::{DEFAULT_TOKEN, OktaSim, Seed};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn seed() -> Seed {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/sim/seed.json");
    Seed::from_file(path).expect("seed loads")
}

fn start() -> OktaSim {
    OktaSim::start(seed(), 0).expect("okta-sim starts")
}

fn error_of(document: &Value) -> &str {
    document["error"].as_str().unwrap_or_default()
}

/// Checks the shape every run must produce, whatever the input: one object with a `results`
/// array, a `logs` array and `error` null or text, and exit status 0 exactly when `error` is
/// null. Returns a description of what is wrong, if anything.
fn contract_violation(document: &Value, exit_code: i32) -> Option<String> {
    let Some(object) = document.as_object() else {
        return Some("the document is not an object".into());
    };
    if !object.get("results").is_some_and(Value::is_array) {
        return Some("`results` is not an array".into());
    }
    let logs = object.get("logs").and_then(Value::as_array);
    let logs_ok = logs.is_some_and(|logs| {
        logs.iter()
            .all(|log| log["level"].is_string() && log["message"].is_string())
    });
    if !logs_ok {
        return Some("`logs` is not an array of level/message objects".into());
    }
    match (object.get("error"), exit_code) {
        (Some(Value::Null), 0) => None,
        (Some(Value::String(error)), 1) if error.starts_with("Failed to execute ") => {
            let entry = &document["results"][0];
            (entry["Type"] != 4 || entry["Contents"] != Value::String(error.clone()))
                .then(|| "the error is not the first entry".to_string())
        }
        (error, code) => Some(format!("error {error:?} with exit status {code}")),
    }
}

// Bad input is refused before any request

/// Each case: (what it shows, command, args, extra params, the text the error must hold).
fn bad_input_cases() -> Vec<(&'static str, &'static str, Value, Value, String)> {
    let huge = "x".repeat(1_100_000);
    let deep_text = format!("{}1{}", "{\"a\":".repeat(100), "}".repeat(100));
    let mut deep_object = json!("leaf");
    for _ in 0..70 {
        deep_object = json!({ "a": deep_object });
    }
    vec![
        (
            "wrong type",
            "get-user",
            json!({"scim": 5}),
            json!({}),
            "the argument 'scim' must be a JSON object (a SCIM user), got a number".into(),
        ),
        (
            "JSON text that is not an object",
            "get-user",
            json!({"scim": "[1, 2]"}),
            json!({}),
            "the argument 'scim' must be a JSON object (a SCIM user), got a JSON array".into(),
        ),
        (
            "JSON text that does not parse",
            "get-user",
            json!({"scim": "{\"id\": "}),
            json!({}),
            "the argument 'scim' is not valid JSON".into(),
        ),
        (
            "missing argument",
            "update-user",
            json!({"oldScim": {"id": "00uact1veAl1ceUsr0h7"}}),
            json!({}),
            "the argument 'newScim' is required".into(),
        ),
        (
            "huge JSON text",
            "get-user",
            json!({ "scim": format!("{{\"userName\": \"{huge}\"}}") }),
            json!({}),
            "the argument 'scim' is 1100016 bytes long; at most 1048576 bytes (1 MiB) are \
             accepted"
                .into(),
        ),
        (
            "huge object",
            "create-user",
            json!({"scim": {"userName": "a@example.com", "title": huge}}),
            json!({}),
            "the argument 'scim' is 1100039 bytes long".into(),
        ),
        (
            "huge text argument",
            "okta-get-assigned-user-for-app",
            json!({"applicationId": huge, "userId": "00u1"}),
            json!({}),
            "the argument 'applicationId' is 1100000 bytes long".into(),
        ),
        (
            "deeply nested JSON text",
            "get-user",
            json!({ "scim": deep_text }),
            json!({}),
            "the argument 'scim' is nested deeper than 64 levels".into(),
        ),
        (
            "deeply nested object",
            "get-user",
            json!({ "scim": deep_object }),
            json!({}),
            "the argument 'scim' is nested deeper than 64 levels".into(),
        ),
        (
            "control character in a SCIM value",
            "get-user",
            json!({"scim": {"userName": "alice\u{0}@example.com"}}),
            json!({}),
            "the argument 'scim' contains control characters at 'userName'; remove them".into(),
        ),
        (
            "control character in a SCIM key",
            "create-user",
            json!({"scim": {"userName": "a@example.com", "name": {"given\u{1b}Name": "A"}}}),
            json!({}),
            "the argument 'scim' contains control characters at 'name.given\\u{1b}Name'".into(),
        ),
        (
            "control character in a text argument",
            "okta-get-assigned-user-for-app",
            json!({"applicationId": "0oa\u{7}", "userId": "00u1"}),
            json!({}),
            "the argument 'applicationId' contains control characters; remove them".into(),
        ),
        (
            "object where text is due",
            "okta-get-assigned-user-for-app",
            json!({"applicationId": {"id": "0oa1"}, "userId": "00u1"}),
            json!({}),
            "the argument 'applicationId' must be text, got a JSON object".into(),
        ),
        (
            "custom mapping that is not an object",
            "create-user",
            json!({"scim": {"userName": "a@example.com"}, "customMapping": "[\"x\"]"}),
            json!({}),
            "the argument 'customMapping' must be a JSON object".into(),
        ),
        (
            "missing url",
            "get-user",
            json!({"scim": {"id": "00u1"}}),
            json!({"url": null}),
            "the parameter 'url' is required".into(),
        ),
        (
            "url of the wrong type",
            "get-user",
            json!({"scim": {"id": "00u1"}}),
            json!({"url": true}),
            "the parameter 'url' must be text, got a boolean".into(),
        ),
        (
            "timeout that is not a number",
            "test-module",
            json!({}),
            json!({"timeout": "soon"}),
            "the parameter 'timeout' must be a whole number, got 'soon'".into(),
        ),
        (
            "flag that is not a flag",
            "get-user",
            json!({"scim": {"id": "00u1"}}),
            json!({"insecure": "maybe"}),
            "the parameter 'insecure' must be true or false, got 'maybe'".into(),
        ),
        (
            "credentials without a password",
            "get-user",
            json!({"scim": {"id": "00u1"}}),
            json!({"apitoken": {"identifier": "x"}}),
            "the parameter 'apitoken' is a credentials object without a password".into(),
        ),
        (
            "control characters in a parameter the command does not read",
            "get-user",
            json!({"scim": {"id": "00u1"}}),
            json!({"incidentType": "Okta\u{1b}[31m"}),
            "the parameter 'incidentType' contains control characters; remove them".into(),
        ),
        (
            "huge parameter the command does not read",
            "get-user",
            json!({"scim": {"id": "00u1"}}),
            json!({ "fetchLogsQuery": huge }),
            "the parameter 'fetchLogsQuery' is 1100002 bytes long".into(),
        ),
    ]
}

#[test]
fn bad_arguments_and_parameters_are_refused_before_any_request() {
    let sim = start();
    for (what, command, args, extra_params, expected) in bad_input_cases() {
        let mut params = json!({"url": sim.base_url(), "apitoken": DEFAULT_TOKEN});
        if let (Some(params), Some(extra)) = (params.as_object_mut(), extra_params.as_object()) {
            params.extend(extra.clone());
        }
        let envelope = json!({"command": command, "params": params, "args": args});
        let output = okta_it_admin::run(envelope.to_string().as_bytes());
        let error = error_of(&output.document);
        assert_eq!(output.exit_code, 1, "{what}: {}", output.document);
        assert!(
            error.starts_with(&format!("Failed to execute {command} command. Error: ")),
            "{what}: {error}"
        );
        assert!(error.contains(&expected), "{what}: {error}");
        assert_eq!(
            contract_violation(&output.document, output.exit_code),
            None,
            "{what}"
        );
        assert!(sim.journal().is_empty(), "{what}: a request was sent");
    }
}

#[test]
fn broken_envelopes_are_refused_with_a_reason() {
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "invalid UTF-8",
            b"{\"command\": \"get-user\xff\"}".to_vec(),
            "not valid UTF-8",
        ),
        (
            "lone surrogate",
            br#"{"command": "\ud800"}"#.to_vec(),
            "not valid JSON",
        ),
        (
            "nesting past the parser's limit",
            deep.into_bytes(),
            "not valid JSON (recursion limit exceeded",
        ),
        (
            "args that are not an object",
            br#"{"command": "get-user", "args": "[]"}"#.to_vec(),
            "\"args\" must be a JSON object, got a string",
        ),
        (
            "two documents",
            br#"{"command": "a"} {}"#.to_vec(),
            "not valid JSON",
        ),
    ];
    for (what, input, expected) in cases {
        let output = okta_it_admin::run(&input);
        assert_eq!(output.exit_code, 1, "{what}");
        let error = error_of(&output.document);
        assert!(error.contains(expected), "{what}: {error}");
        assert_eq!(contract_violation(&output.document, output.exit_code), None);
    }
}

// No input widens a user lookup

/// Logins built to match someone else: expression injection, path tricks, encodings, short
/// names, ids and look-alikes of seeded users.
const HOSTILE_LOGINS: &[&str] = &[
    "alice.active@example.com\" or profile.login sw \"",
    "\" or status eq \"ACTIVE",
    "alice.active@example.com and status eq \"ACTIVE\"",
    "*",
    "jdoe@example",
    "alice.active+x@example.com",
    "alice.active@example.com#",
    "alice.active@example.com?search=profile.login%20sw%20%22a%22",
    "../00uact1veAl1ceUsr0h7",
    "00ususpBobSusp3nd0h7/../00uact1veAl1ceUsr0h7",
    "..",
    "%2e%2e",
    "alice.active%40example.com",
    "alice.active@example.com\\",
    "bob.suspended",
    "00uact1veAl1ceUsr0h7",
    "me",
    "\u{ff41}lice.active@example.com",
    "alice.active@example.com\u{200b}",
    "sean.o'brien@example.com\" or \"1\" eq \"1",
];

/// Ids built to reach another user or another endpoint.
const HOSTILE_IDS: &[&str] = &[
    "00uact1veAl1ceUsr0h7/lifecycle/deactivate",
    "00uact1veAl1ceUsr0h7?x=1",
    "00uact1veAl1ceUsr0h7#",
    "00uact1veAl1ceUsr0h7%2Flifecycle%2Fdeactivate",
    "../users/00uact1veAl1ceUsr0h7",
    "..",
    "me",
    "alice.active@example.com\" or \"",
];

fn statuses(sim: &OktaSim) -> Vec<(String, String)> {
    sim.users()
        .iter()
        .map(|user| {
            (
                user["id"].as_str().unwrap_or_default().to_string(),
                user["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Given a simulator with nine users, when disable-user runs with each hostile login or id,
/// then no user is disabled, every request is a GET, and a search carries the login as one
/// JSON string literal.
#[test]
fn injected_lookups_never_touch_another_user() {
    let sim = start();
    let before = statuses(&sim);
    let mut searches = 0;
    let scims = HOSTILE_LOGINS
        .iter()
        .map(|login| json!({ "userName": login }))
        .chain(HOSTILE_IDS.iter().map(|id| json!({ "id": id })));
    for scim in scims {
        sim.clear_journal();
        let envelope = json!({"command": "disable-user",
            "params": {"url": sim.base_url(), "apitoken": DEFAULT_TOKEN},
            "args": { "scim": scim }});
        let output = okta_it_admin::run(envelope.to_string().as_bytes());
        let key = "DisableUser(val.id == obj.id && val.instanceName == obj.instanceName)";
        let context = &output.document["results"][0]["EntryContext"][key];
        assert_ne!(context["success"], true, "{scim}: {}", output.document);
        assert_eq!(statuses(&sim), before, "{scim}: a user changed");

        for request in sim.journal() {
            assert_eq!(request.method, "GET", "{scim}: {request:?}");
            let searched: Vec<String> = url::form_urlencoded::parse(request.query.as_bytes())
                .filter(|(name, _)| name == "search")
                .map(|(_, value)| value.into_owned())
                .collect();
            if let (Some(search), Some(login)) = (searched.first(), scim["userName"].as_str()) {
                let literal = Value::String(login.to_string()).to_string();
                assert_eq!(search, &format!("profile.login eq {literal}"), "{scim}");
                searches += 1;
            }
        }
    }
    assert!(searches >= 10, "only {searches} lookups reached the search");
}

// The token never appears in any output

/// A token that appears nowhere else, long enough to be redacted.
const PLANTED: &str = "00PlantedSecretTokenAbcdefghij0123456789xy";

fn planted_envelope(command: &str, args: Value) -> Value {
    json!({"command": command,
        "params": {"url": "https://placeholder.invalid", "apitoken": PLANTED},
        "args": args})
}

fn replay_document(envelope: Value, exchanges: Vec<Value>) -> (Value, i32) {
    let fixture: Fixture = serde_json::from_value(json!({
        "envelope": envelope, "exchanges": exchanges, "expected": null
    }))
    .expect("valid fixture");
    let report = replay(&fixture).expect("replay runs");
    (report.output.document, report.output.exit_code)
}

/// Asserts that no output channel holds the token or a telling piece of it.
fn assert_token_absent(what: &str, text: &str) {
    assert!(!text.contains(PLANTED), "{what}: the token leaked: {text}");
    assert!(
        !text.contains(&PLANTED[..12]),
        "{what}: part of the token leaked: {text}"
    );
}

/// Given Okta echoes the token in a user's profile, an error body's summary and causes, the
/// `X-Okta-Request-Id` header (which is logged and quoted in errors), a 429's retry log line
/// and an HTML page cut at the excerpt limit, then the document (results, logs, error) holds
/// none of it.
#[test]
fn the_token_is_absent_from_every_output() {
    let echoed_user = json!({"id": "00u1", "status": "ACTIVE",
        "profile": {"login": "a@example.com", "email": "a@example.com", "title": PLANTED,
                    "nickName": format!("x{PLANTED}y"), format!("k{PLANTED}"): "v"},
        "_links": {"self": {"href": format!("https://x.okta.com/api/v1/users/00u1?t={PLANTED}")}}});
    let echoed_error = json!({"errorCode": "E0000007",
        "errorSummary": format!("Not found: {PLANTED}"), "errorLink": "E0000007",
        "errorId": PLANTED, "errorCauses": [{"errorSummary": format!("cause {PLANTED}")}]});
    let headers = json!({"X-Okta-Request-Id": PLANTED});
    let get_user = |status: u16, body: &Value| {
        json!({"request": {"method": "GET", "path": "/api/v1/users/00u1"},
               "response": {"status": status, "headers": headers, "body": body}})
    };
    let get_me = |status: u16, response_headers: Value, body: Value| {
        json!({"request": {"method": "GET", "path": "/api/v1/users/me"},
               "response": {"status": status, "headers": response_headers, "body": body}})
    };
    let get_user_by_id = planted_envelope("get-user", json!({"scim": {"id": "00u1"}}));
    let throttled = json!({"X-Okta-Request-Id": PLANTED, "X-Rate-Limit-Limit": "600",
        "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "0",
        "Date": "Wed, 01 May 2024 10:00:00 GMT"});
    let html = format!("<html>{}{PLANTED}</html>", "x".repeat(180));
    let html_answer = json!({"request": {"method": "GET", "path": "/api/v1/users/me"},
        "response": {"status": 200, "headers": headers, "bodyText": html}});

    let cases = vec![
        (
            "a user profile",
            replay_document(get_user_by_id.clone(), vec![get_user(200, &echoed_user)]),
        ),
        (
            "a refusal's summary, causes and request id",
            replay_document(get_user_by_id.clone(), vec![get_user(404, &echoed_error)]),
        ),
        (
            "a failure's summary and request id",
            replay_document(
                planted_envelope("test-module", json!({})),
                vec![get_me(401, headers.clone(), echoed_error.clone())],
            ),
        ),
        (
            "a 429 retry logged with its request id",
            replay_document(
                planted_envelope("test-module", json!({})),
                vec![
                    get_me(429, throttled, echoed_error.clone()),
                    get_me(200, headers.clone(), echoed_user.clone()),
                ],
            ),
        ),
        (
            "an HTML page cut at the excerpt limit",
            replay_document(
                planted_envelope("test-module", json!({})),
                vec![html_answer],
            ),
        ),
    ];
    for (what, (document, exit_code)) in cases {
        assert_eq!(contract_violation(&document, exit_code), None, "{what}");
        assert_token_absent(what, &document.to_string());
        assert!(
            document.to_string().contains("<redacted"),
            "{what}: {document}"
        );
    }
}

/// Given okta-sim holds a user whose profile carries the token, when the binary reads that
/// user, then neither stdout nor stderr holds the token.
#[test]
fn the_binary_never_prints_the_token() {
    let mut seed = seed();
    seed.token = PLANTED.to_string();
    seed.users
        .push(json!({"id": "00uechoEchoEcho00h7", "status": "ACTIVE",
        "profile": {"login": "echo@example.com", "email": "echo@example.com",
                    "firstName": "Echo", "lastName": PLANTED}}));
    let sim = OktaSim::start(seed, 0).expect("okta-sim starts");
    let envelope = json!({"command": "get-user",
        "params": {"url": sim.base_url(), "apitoken": PLANTED},
        "args": {"scim": {"userName": "echo@example.com"}}});
    let run = common::run_binary(envelope.to_string().as_bytes(), &[], &[]);
    assert!(run.stdout.contains("\"success\":true"), "{}", run.stdout);
    assert_token_absent("stdout", &run.stdout);
    assert_token_absent("stderr", &run.stderr);
}

// Arbitrary envelopes

/// Known argument and parameter names, so random envelopes reach past the first checks.
const NAMES: &[&str] = &[
    "scim",
    "oldScim",
    "newScim",
    "customMapping",
    "applicationId",
    "userId",
    "id",
    "userName",
    "timeout",
    "insecure",
    "proxy",
    "isFetch",
    "max_fetch",
    "first_fetch",
    "fetchLogsQuery",
    "fetch_events_time_minutes",
    "customMappingCreateUser",
    "incidentType",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(
            |number| serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
        ),
        any::<String>().prop_map(Value::String),
        "[a-z0-9@.\"\\\\/%#?+ ]{0,12}".prop_map(Value::String),
        prop::sample::select(NAMES).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(NAMES).prop_map(str::to_string),
        any::<String>(),
    ]
}

/// A section of the envelope: an object of known or random names to random values, some of
/// them JSON text.
fn section() -> impl Strategy<Value = Value> {
    let value = prop_oneof![
        json_value(),
        json_value().prop_map(|value| Value::String(value.to_string())),
    ];
    prop::collection::vec((key(), value), 0..5)
        .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<String, Value>>()))
}

/// Arguments shaped like the user commands' (SCIM users with random ids and logins, ids as
/// text), so that random envelopes also get past argument checks to the Okta calls.
fn user_args() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        "[a-zA-Z0-9@.\"'\\/%#?+*() -]{1,24}".boxed(),
        any::<String>().boxed(),
        prop::sample::select(HOSTILE_LOGINS)
            .prop_map(str::to_string)
            .boxed(),
    ];
    let scim = (
        prop::option::of(text.clone()),
        prop::option::of(text.clone()),
        json_value(),
    )
        .prop_map(|(id, login, extra)| {
            let mut scim = json!({ "name": {"givenName": extra} });
            if let Some(id) = id {
                scim["id"] = Value::from(id);
            }
            if let Some(login) = login {
                scim["userName"] = Value::from(login.clone());
                scim["emails"] = json!([{"value": login, "primary": true}]);
            }
            scim
        })
        .boxed();
    let as_text = prop_oneof![
        scim.clone(),
        scim.prop_map(|scim| Value::String(scim.to_string()))
    ];
    (as_text.clone(), as_text, text.clone(), text).prop_map(|(scim, new_scim, app, user)| {
        json!({"scim": scim, "oldScim": scim, "newScim": new_scim,
               "applicationId": app, "userId": user})
    })
}

fn command() -> impl Strategy<Value = Value> {
    let names: Vec<&str> = okta_it_admin::commands::COMMANDS
        .iter()
        .map(|command| command.name)
        .collect();
    prop_oneof![
        4 => prop::sample::select(names).prop_map(Value::from),
        1 => json_value(),
    ]
}

/// The address of a loopback port nothing listens on.
fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
    let port = listener.local_addr().expect("address").port();
    format!("http://127.0.0.1:{port}")
}

/// An envelope with a random command, args, lastRun and context, and params that keep every
/// request on an unreachable loopback port (random extra params may still be wrong).
fn envelope(url: String) -> impl Strategy<Value = Vec<u8>> {
    let args = prop_oneof![section(), user_args()];
    (
        command(),
        args,
        section(),
        section(),
        section(),
        prop::bool::weighted(0.9),
    )
        .prop_map(
            move |(command, args, extra_params, last_run, context, with_token)| {
                let mut params = extra_params.as_object().cloned().unwrap_or_default();
                params.insert("url".into(), Value::from(url.as_str()));
                if with_token {
                    params.insert("apitoken".into(), Value::from(PLANTED));
                }
                for email_setting in ["smtp_server", "smtp_port", "email_notification_ids"] {
                    params.remove(email_setting);
                }
                json!({"command": command, "params": params, "args": args, "lastRun": last_run,
                   "context": context})
                .to_string()
                .into_bytes()
            },
        )
}

/// Random bytes, half of the time starting like an envelope.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    let random = prop::collection::vec(any::<u8>(), 0..256);
    prop_oneof![
        random.clone(),
        random.prop_map(|tail| [b"{\"command\": \"get-user\", ".as_slice(), &tail].concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any envelope gives one valid document, never a panic, exit 0 exactly when `error` is
    /// null, and never the token.
    #[test]
    fn arbitrary_envelopes_give_one_valid_document(input in envelope(unreachable_url())) {
        let output = okta_it_admin::run(&input);
        prop_assert_eq!(contract_violation(&output.document, output.exit_code), None);
        prop_assert!(!output.document.to_string().contains(PLANTED));
    }

    /// Any bytes give one valid document.
    #[test]
    fn arbitrary_bytes_give_one_valid_document(input in bytes()) {
        let output = okta_it_admin::run(&input);
        prop_assert_eq!(contract_violation(&output.document, output.exit_code), None);
    }
}
