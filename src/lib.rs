//! Okta IT Admin: an XSOAR-style integration that manages the identity lifecycle of Okta users
//! and turns Okta System Log events into incidents.
//!
//! A SOAR engine starts the binary once per command and writes one JSON envelope to stdin;
//! [`run`] routes it through the command table and returns the one JSON document the binary
//! prints.

pub mod cli;
pub mod commands;
pub mod docs;
pub mod email;
pub mod envelope;
pub mod fetch;
pub mod incidents;
pub mod inputs;
pub mod instance;
pub mod markdown;
pub mod okta;
pub mod output;
pub mod replay;
pub mod scim;
pub mod sim;

use std::io::{self, Write};

use serde_json::Value;

use envelope::{Document, Envelope};
use inputs::Inputs;
use output::DocumentWriter;

/// Largest envelope read from stdin.
pub const MAX_ENVELOPE_BYTES: u64 = 32 * 1024 * 1024;

/// What replaces a secret wherever it would otherwise appear in output.
pub const REDACTED: &str = "<redacted>";

/// Shortest secret that is redacted; Okta API tokens are about 42 characters.
// Limitation: a shorter "token" is left alone, since replacing a letter or two everywhere would
// garble every message; Okta never issues such tokens.
pub const MIN_REDACTED_LENGTH: usize = 8;

/// The finished answer of one run: the document for stdout and the exit status.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The JSON document, free of the API token.
    pub document: Value,
    /// 0 when the document's `error` is null, else 1.
    pub exit_code: i32,
}

/// Runs one envelope, given as the raw bytes of stdin, and returns what to print.
///
/// ```
/// let output = okta_it_admin::run(br#"{"command": "okta-get-usr"}"#);
/// assert_eq!(output.exit_code, 1);
/// let error = output.document["error"].as_str().unwrap_or_default();
/// assert!(error.starts_with("Failed to execute okta-get-usr command. Error: unknown command"));
/// ```
pub fn run(input: &[u8]) -> Output {
    collect(|out| run_to(input, out))
}

/// Runs one parsed envelope and returns what to print.
pub fn run_envelope(envelope: &Envelope) -> Output {
    collect(|out| run_envelope_to(envelope, out))
}

/// The answer of a run that could not start, such as when stdin could not be read.
pub fn refuse(reason: &str) -> Output {
    collect(|out| refuse_to(reason, out))
}

/// Writes the answer of a run that could not start to `out`; returns the exit status.
pub fn refuse_to(reason: &str, out: &mut dyn Write) -> io::Result<i32> {
    DocumentWriter::new(out, None).finish(&unknown_failure(reason))
}

/// Runs one envelope and writes its document to `out` as it is produced; returns the exit
/// status.
pub fn run_to(input: &[u8], out: &mut dyn Write) -> io::Result<i32> {
    match Envelope::parse(input) {
        Ok(envelope) => run_envelope_to(&envelope, out),
        Err(error) => {
            let command = error.command.as_deref().unwrap_or("(unknown)");
            let document = Document::failure(command, &error.message, Vec::new());
            DocumentWriter::new(out, None).finish(&document)
        }
    }
}

/// Runs one parsed envelope and writes its document to `out`, free of the API token.
pub fn run_envelope_to(envelope: &Envelope, out: &mut dyn Write) -> io::Result<i32> {
    let token = Inputs::parameters(&envelope.params)
        .secret("apitoken")
        .ok()
        .flatten();
    let mut writer = DocumentWriter::new(out, token.as_deref());
    let document = commands::run(envelope, &mut writer);
    writer.finish(&document)
}

fn unknown_failure(reason: &str) -> Document {
    Document::failure("(unknown)", reason, Vec::new())
}

/// Runs a writing run into memory and reads back the document.
fn collect(write: impl FnOnce(&mut dyn Write) -> io::Result<i32>) -> Output {
    let mut buffer = Vec::new();
    let written = write(&mut buffer);
    let parsed = serde_json::from_slice::<Value>(&buffer);
    match (written, parsed) {
        (Ok(exit_code), Ok(document)) => Output {
            document,
            exit_code,
        },
        // Limitation: unreachable in practice; writing JSON to memory does not fail.
        (Err(err), _) => fallback(&format!("the output could not be written: {err}")),
        (_, Err(err)) => fallback(&format!("the output is not JSON: {err}")),
    }
}

fn fallback(reason: &str) -> Output {
    let document = unknown_failure(reason);
    let exit_code = document.exit_code();
    let document = serde_json::to_value(&document).unwrap_or_else(|_| {
        // Limitation: unreachable; a failure document is strings and numbers only.
        serde_json::json!({"results": [], "logs": [], "error": reason})
    });
    Output {
        document,
        exit_code,
    }
}

/// Replaces a secret in a text, when the secret is long enough to be a real token.
pub fn redact_text(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if secret.len() >= MIN_REDACTED_LENGTH => text.replace(secret, REDACTED),
        _ => text.to_string(),
    }
}

/// Replaces every occurrence of a secret in the strings and keys of a JSON value.
pub fn redact(value: &mut Value, secret: &str) {
    match value {
        Value::String(text) if text.contains(secret) => *text = text.replace(secret, REDACTED),
        Value::Array(items) => items.iter_mut().for_each(|item| redact(item, secret)),
        Value::Object(map) => {
            if map.keys().any(|key| key.contains(secret)) {
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    redact(&mut item, secret);
                    map.insert(key.replace(secret, REDACTED), item);
                }
            } else {
                map.values_mut().for_each(|item| redact(item, secret));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redaction_reaches_nested_strings_and_keys() {
        let secret = "00abcdefghijklmnop";
        let mut value = json!({"a": [format!("x{secret}y")], format!("k{secret}"): {"b": secret}});
        redact(&mut value, secret);
        assert_eq!(
            value,
            json!({"a": ["x<redacted>y"], "k<redacted>": {"b": "<redacted>"}})
        );
    }

    #[test]
    fn a_short_token_does_not_garble_the_output() {
        let envelope = br#"{"command": "get-user", "params": {"apitoken": "t"}}"#;
        let output = run(envelope);
        let error = output.document["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("Failed to execute get-user command."),
            "{error}"
        );
    }
}
