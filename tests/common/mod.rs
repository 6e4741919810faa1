//! Helpers shared by the integration tests: envelopes, recorded Okta exchanges and replay.
#![allow(dead_code)]

pub mod smtp;

use serde_json::{Value, json};

use okta_it_admin::replay::{Fixture, ReplayReport, replay};

/// The API token every test envelope carries.
pub const TOKEN: &str = "test-token-0123456789";

/// The instance name every test envelope carries.
pub const INSTANCE: &str = "OktaITAdmin";

/// An envelope for `command` with `args` and the standard test parameters.
pub fn envelope(command: &str, args: Value) -> Value {
    json!({
        "command": command,
        "params": {"url": "https://placeholder.invalid", "apitoken": TOKEN,
                   "insecure": false, "proxy": false},
        "args": args,
        "context": {"IntegrationInstance": INSTANCE, "IntegrationBrand": "Okta IT Admin"}
    })
}

/// One recorded request and Okta's JSON answer.
pub fn exchange(
    method: &str,
    path: &str,
    query: Value,
    body: Option<Value>,
    status: u16,
    answer: Value,
) -> Value {
    let mut request = json!({"method": method, "path": path, "query": query});
    if let Some(body) = body {
        request["body"] = body;
    }
    json!({"request": request, "response": {"status": status, "body": answer}})
}

/// A GET without query parameters.
pub fn get(path: &str, status: u16, answer: Value) -> Value {
    exchange("GET", path, json!({}), None, status, answer)
}

/// A POST with no body that Okta answers with an empty body.
pub fn lifecycle(path: &str, status: u16) -> Value {
    json!({"request": {"method": "POST", "path": path},
           "response": {"status": status, "bodyText": ""}})
}

/// Runs `envelope` against the recorded exchanges and returns what the integration printed,
/// failing the test when a request differs from the recording.
pub fn run(envelope: Value, exchanges: Vec<Value>) -> Value {
    let report = replay_all(envelope, exchanges);
    let request_mismatches: Vec<&String> = report
        .mismatches
        .iter()
        .filter(|m| !m.starts_with("the output differs"))
        .collect();
    assert!(
        request_mismatches.is_empty(),
        "requests differ: {request_mismatches:#?}"
    );
    report.output.document
}

/// Replays without judging anything; the report holds every mismatch.
pub fn replay_all(envelope: Value, exchanges: Vec<Value>) -> ReplayReport {
    let fixture: Fixture = serde_json::from_value(json!({
        "envelope": envelope, "exchanges": exchanges, "expected": null
    }))
    .expect("valid fixture");
    replay(&fixture).expect("replay runs")
}

/// An Okta user object with the given id, login and status.
pub fn okta_user(id: &str, login: &str, status: &str) -> Value {
    json!({
        "id": id, "status": status, "created": "2020-08-21T16:59:04.000Z",
        "activated": "2020-08-24T15:01:20.000Z", "statusChanged": "2020-08-24T15:01:20.000Z",
        "lastLogin": null, "lastUpdated": "2020-08-24T15:01:20.000Z", "passwordChanged": null,
        "type": {"id": "oty8zfz6plq7b0r830h7"},
        "profile": {"firstName": "Demisto", "lastName": "Test", "login": login, "email": login},
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": format!("https://test.com/api/v1/users/{id}")}}
    })
}

/// Okta's error body.
pub fn okta_error(code: &str, summary: &str, causes: &[&str]) -> Value {
    let causes: Vec<Value> = causes.iter().map(|c| json!({"errorSummary": c})).collect();
    json!({"errorCode": code, "errorSummary": summary, "errorLink": code,
           "errorId": "oaeTESTERRORID0000000000", "errorCauses": causes})
}

/// The context object a user command wrote.
pub fn user_context<'a>(document: &'a Value, prefix: &str) -> &'a Value {
    let key = format!("{prefix}(val.id == obj.id && val.instanceName == obj.instanceName)");
    &document["results"][0]["EntryContext"][key]
}

/// The first entry's markdown.
pub fn table(document: &Value) -> &str {
    document["results"][0]["HumanReadable"]
        .as_str()
        .unwrap_or_default()
}

/// What the okta-it-admin binary printed and how it ended.
pub struct BinaryRun {
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// The exit status, None when a signal ended the process.
    pub code: Option<i32>,
}

impl BinaryRun {
    /// Stdout read as the one JSON document it must be.
    pub fn document(&self) -> Result<Value, String> {
        serde_json::from_str(&self.stdout).map_err(|err| {
            format!(
                "stdout is not one JSON document ({err}): {}; stderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs the okta-it-admin binary on `stdin`, with the environment variables in `unset` removed
/// and those in `set` added.
pub fn run_binary(stdin: &[u8], unset: &[&str], set: &[(&str, &str)]) -> BinaryRun {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut command = Command::new(env!("CARGO_BIN_EXE_okta-it-admin"));
    for name in unset {
        command.env_remove(name);
    }
    command.envs(set.iter().copied());
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the okta-it-admin binary starts");
    // The binary may stop reading early (an envelope too large); that is its answer to read.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    let output = child.wait_with_output().expect("the binary ends");
    BinaryRun {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}
