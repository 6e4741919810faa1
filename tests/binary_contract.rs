//! The binary's contract with the engine: one JSON document on stdout whatever the input, an
//! error entry and exit status 1 for every failure, and the API token nowhere in the output.

mod common;

use common::*;
use serde_json::{Value, json};

/// Runs the binary with `stdin` and returns (document, exit code, stderr).
fn binary(stdin: &[u8]) -> (Value, i32, String) {
    let run = run_binary(stdin, &[], &[]);
    let document = run.document().unwrap_or_else(|why| panic!("{why}"));
    (document, run.code.expect("exit code"), run.stderr)
}

fn assert_failure(document: &Value, code: i32, starts_with: &str) {
    assert_eq!(code, 1, "{document}");
    let error = document["error"].as_str().expect("error text");
    assert!(error.starts_with(starts_with), "{error}");
    let entry = &document["results"][0];
    assert_eq!(entry["Type"], 4);
    assert_eq!(entry["ContentsFormat"], "text");
    assert_eq!(entry["Contents"], error);
}

#[test]
fn bad_envelopes_get_an_error_document_and_exit_one() {
    let cases: [(&[u8], &str); 9] = [
        (
            b"",
            "Failed to execute (unknown) command. Error: stdin is empty",
        ),
        (
            b"not json",
            "Failed to execute (unknown) command. Error: stdin is not valid JSON",
        ),
        (
            b"\xc3\x28",
            "Failed to execute (unknown) command. Error: stdin is not valid UTF-8",
        ),
        (
            b"[]",
            "Failed to execute (unknown) command. Error: stdin holds a JSON array",
        ),
        (
            b"{}",
            "Failed to execute (unknown) command. Error: the envelope has no \"command\"",
        ),
        (
            br#"{"command": ["get-user"]}"#,
            "Failed to execute (unknown) command. Error: \"command\" must be a string",
        ),
        (
            br#"{"command": "get-user", "params": []}"#,
            "Failed to execute get-user command. Error: \"params\" must be a JSON object",
        ),
        (
            br#"{"command": "get-user"}"#,
            "Failed to execute get-user command. Error: the argument 'scim' is required",
        ),
        (
            br#"{"command": "no-such-command"}"#,
            "Failed to execute no-such-command command. Error: unknown command 'no-such-command'",
        ),
    ];
    for (stdin, expected) in cases {
        let (document, code, _) = binary(stdin);
        assert_failure(&document, code, expected);
    }
}

#[test]
fn bad_arguments_and_parameters_are_named() {
    let cases = [
        (
            json!({"command": "get-user", "args": {"scim": "[1, 2]"}}),
            "Failed to execute get-user command. Error: the argument 'scim' must be a JSON object \
             (a SCIM user), got a JSON array",
        ),
        (
            json!({"command": "get-user", "args": {"scim": "{\"id\": 7}"}}),
            "Failed to execute get-user command. Error: the argument 'scim' is not usable",
        ),
        (
            json!({"command": "get-user", "args": {"scim": {"id": "00u1"}}}),
            "Failed to execute get-user command. Error: the parameter 'url' is required",
        ),
        (
            json!({"command": "get-user", "args": {"scim": {"id": "00u1"}},
                "params": {"url": "ftp://x", "apitoken": "t"}}),
            "Failed to execute get-user command. Error: the parameter 'url' is not a usable \
             Okta URL",
        ),
        (
            json!({"command": "get-user", "args": {"scim": {"id": "00u1"}},
                "params": {"url": "https://x.okta.com"}}),
            "Failed to execute get-user command. Error: the parameter 'apitoken' is required",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "smtp_port": "twenty-five"}}),
            "Failed to execute test-module command. Error: the parameter 'smtp_port' must be a \
             whole number, got 'twenty-five'",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "smtp_server": "mail.example.com"}}),
            "Failed to execute test-module command. Error: failure emails need all of \
             smtp_server, smtp_port, from_email, email_notification_ids; missing: smtp_port, \
             from_email, email_notification_ids",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "smtp_server": "m", "smtp_port": "25", "from_email": "a@b.c",
                "email_notification_ids": "ops@example.com; soc"}}),
            "Failed to execute test-module command. Error: the parameter \
             'email_notification_ids' holds 'ops@example.com; soc', not an email address",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "first_fetch": "yesterday"}}),
            "Failed to execute test-module command. Error: the parameter 'first_fetch' must be \
             a number and a unit, such as '3 days' or '90 minutes'",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "first_fetch": "400 days"}}),
            "Failed to execute test-module command. Error: the parameter 'first_fetch' reaches \
             back more than 180 days, which Okta refuses",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "first_fetch": "99999999999999 days"}}),
            "Failed to execute test-module command. Error: the parameter 'first_fetch' reaches \
             back more than 180 days, which Okta refuses",
        ),
        (
            json!({"command": "fetch-incidents", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "max_fetch": 0}}),
            "Failed to execute fetch-incidents command. Error: the parameter 'max_fetch' must be \
             at least 1",
        ),
        (
            json!({"command": "get-user", "args": {"scim": {"id": "00u1"}},
                "params": {"url": "https://x.okta.com", "apitoken": "t",
                           "timeout": "18446744073709551615"}}),
            "Failed to execute get-user command. Error: the parameter 'timeout' must be from 1 \
             to 3600 seconds, got 18446744073709551615",
        ),
        (
            json!({"command": "fetch-incidents", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "fetch_events_time_minutes": "1000000000000"}}),
            "Failed to execute fetch-incidents command. Error: the parameter \
             'fetch_events_time_minutes' must be at most 259200 minutes",
        ),
        (
            json!({"command": "test-module", "params": {"url": "http://192.0.2.2:18081",
                "apitoken": "t"}}),
            "Failed to execute test-module command. Error: the parameter 'url' is not a usable \
             Okta URL (it must start with https://: plain http would send the API token in the \
             clear",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "smtp_credentials": [1]}}),
            "Failed to execute test-module command. Error: the parameter 'smtp_credentials' must \
             be a JSON object",
        ),
        (
            json!({"command": "test-module", "params": {"url": "https://x.okta.com",
                "apitoken": "t", "smtp_credentials": {"identifier": "u\r\nRCPT TO:<x@y>",
                "password": "p"}}}),
            "Failed to execute test-module command. Error: the parameter 'smtp_credentials' \
             holds control characters",
        ),
        (
            json!({"command": "get-user", "args": {"scim": {"id": "00u1"}},
                "params": {"url": "https://x.okta.com", "apitoken": 12345}}),
            "Failed to execute get-user command. Error: the parameter 'apitoken' must be text or \
             a credentials object, got a number",
        ),
        (
            json!({"command": "okta-get-assigned-user-for-app", "args": {"userId": "00u1"}}),
            "Failed to execute okta-get-assigned-user-for-app command. Error: the argument \
             'applicationId' is required",
        ),
    ];
    for (envelope, expected) in cases {
        let (document, code, _) = binary(envelope.to_string().as_bytes());
        assert_failure(&document, code, expected);
    }
}

#[test]
fn stdin_larger_than_any_envelope_is_refused() {
    let huge = vec![b' '; 33 * 1024 * 1024];
    let (document, code, _) = binary(&huge);
    assert_failure(
        &document,
        code,
        "Failed to execute (unknown) command. Error: stdin holds more than 32 MiB",
    );
}

#[test]
fn an_unreachable_okta_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let envelope = json!({"command": "test-module",
        "params": {"url": format!("http://127.0.0.1:{port}"), "apitoken": TOKEN}});
    let (document, code, _) = binary(envelope.to_string().as_bytes());
    assert_failure(
        &document,
        code,
        "Failed to execute test-module command. Error: GET /api/v1/users/me failed:",
    );
}

#[test]
fn test_module_says_ok_when_okta_accepts_the_token() {
    let admin = okta_user("00uadmin", "admin@example.com", "ACTIVE");
    let document = run(
        envelope("test-module", json!({})),
        vec![get("/api/v1/users/me", 200, admin)],
    );
    let entry = &document["results"][0];
    assert_eq!(entry["Contents"], "ok");
    assert_eq!(entry["ContentsFormat"], "text");
    assert_eq!(document["results"].as_array().map(Vec::len), Some(1));
}

#[test]
fn test_module_says_the_token_is_invalid_on_401() {
    let body = okta_error("E0000011", "Invalid token provided", &[]);
    let document = run(
        envelope("test-module", json!({})),
        vec![get("/api/v1/users/me", 401, body)],
    );
    assert_eq!(
        document["error"],
        "Failed to execute test-module command. Error: Okta answered HTTP 401 E0000011 to GET \
         /api/v1/users/me: Invalid token provided. The API token is invalid, expired or revoked: \
         create a new one"
    );
}

#[test]
fn a_body_that_is_not_json_is_a_clear_error_with_an_excerpt() {
    let exchange = json!({"request": {"method": "GET", "path": "/api/v1/users/00u1"},
        "response": {"status": 200, "headers": {"Content-Type": "text/html"},
                     "bodyText": "<html><body>Bad gateway</body></html>"}});
    let document = run(
        envelope("get-user", json!({"scim": {"id": "00u1"}})),
        vec![exchange],
    );
    assert_eq!(
        document["error"],
        "Failed to execute get-user command. Error: GET /api/v1/users/00u1 failed: Okta answered \
         HTTP 200 with a body that is not JSON: \"<html><body>Bad gateway</body></html>\"; check \
         the 'url' parameter and any proxy"
    );
}

#[test]
fn the_token_never_appears_even_when_okta_echoes_it() {
    let echo = okta_error("E0000001", &format!("bad token {TOKEN}"), &[TOKEN]);
    let document = run(
        envelope("get-user", json!({"scim": {"id": "00u1"}})),
        vec![get("/api/v1/users/00u1", 400, echo)],
    );
    let text = document.to_string();
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("bad token <redacted>"), "{text}");
}

#[test]
fn app_assignment_not_found_is_a_result() {
    let body = okta_error(
        "E0000007",
        "Not found: Resource not found: 00u1 (AppUser)",
        &[],
    );
    let document = run(
        envelope(
            "okta-get-assigned-user-for-app",
            json!({"applicationId": "0oa1", "userId": "00u1"}),
        ),
        vec![get("/api/v1/apps/0oa1/users/00u1", 404, body)],
    );
    let key = "Okta.UserAppAssignment(val.id && val.id === obj.id)";
    let expected = json!({"success": false, "errorCode": 404,
        "errorMessage": "Not found: Resource not found: 00u1 (AppUser)"});
    assert_eq!(document["results"][0]["EntryContext"][key], expected);
    assert_eq!(
        table(&document),
        "### Okta User App Assignment:\n|success|errorCode|errorMessage|\n|---|---|---|\n\
         | false | 404 | Not found: Resource not found: 00u1 (AppUser) |\n"
    );
}

#[test]
fn engine_value_spellings_are_all_accepted() {
    // Parameters as text and credentials object, arguments as objects or JSON text.
    let envelope = json!({"command": "get-user",
        "params": {"url": "https://placeholder.invalid/api/v1/", "insecure": "false",
                   "proxy": "false", "timeout": "30",
                   "apitoken": {"identifier": "", "password": TOKEN}},
        "args": {"scim": {"id": "00u1"}}});
    let document = run(
        envelope,
        vec![get(
            "/api/v1/users/00u1",
            200,
            okta_user("00u1", "a@example.com", "ACTIVE"),
        )],
    );
    assert_eq!(
        user_context(&document, "GetUser")["instanceName"],
        "Okta IT Admin_instance_1"
    );
}
