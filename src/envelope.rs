//! The envelope a SOAR engine writes to stdin, and the document this binary writes to stdout.
//!
//! Only shapes and their parsing live here: no Okta calls, no rendering of markdown.

use serde::Serialize;
use serde_json::{Map, Value};

/// Name of the integration as XSOAR shows it; also the `brand` of every output.
pub const BRAND: &str = "Okta IT Admin";

/// Instance name used when the calling context does not carry one.
pub const DEFAULT_INSTANCE_NAME: &str = "Okta IT Admin_instance_1";

/// One command invocation as the engine describes it.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// The command to run, such as `get-user`.
    pub command: String,
    /// The integration instance's parameters.
    pub params: Map<String, Value>,
    /// The command's arguments.
    pub args: Map<String, Value>,
    /// The state the previous `fetch-incidents` run left.
    pub last_run: Map<String, Value>,
    /// The instance's stored integration context.
    pub integration_context: Map<String, Value>,
    /// The calling context (instance name, brand, investigation …).
    pub context: Map<String, Value>,
    /// What was wrong with the envelope but could be set aside, for the engine's log.
    pub warnings: Vec<String>,
}

/// Why stdin could not be read as an envelope, with the command name when it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeError {
    /// The command the envelope named, when it got that far.
    pub command: Option<String>,
    /// What was wrong and what to send instead.
    pub message: String,
}

impl Envelope {
    /// Reads an envelope from the raw bytes of stdin.
    pub fn parse(input: &[u8]) -> Result<Envelope, EnvelopeError> {
        let fail = |command: Option<String>, message: String| EnvelopeError { command, message };
        let text = std::str::from_utf8(input).map_err(|err| {
            fail(
                None,
                format!("stdin is not valid UTF-8 ({err}); send one JSON object"),
            )
        })?;
        if text.trim().is_empty() {
            return Err(fail(None, EMPTY_INPUT.to_string()));
        }

        let value: Value = serde_json::from_str(text).map_err(|err| {
            fail(
                None,
                format!("stdin is not valid JSON ({err}); send one JSON object"),
            )
        })?;
        let Value::Object(mut object) = value else {
            return Err(fail(
                None,
                format!("stdin holds {}, not a JSON object", kind_of(&value)),
            ));
        };

        let command = match object.remove("command") {
            Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_string(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(fail(None, MISSING_COMMAND.to_string()));
            }
            Some(other) => {
                let got = kind_of(&other);
                return Err(fail(
                    None,
                    format!("\"command\" must be a string, got {got}"),
                ));
            }
        };

        let mut section = |key: &str| -> Result<Map<String, Value>, EnvelopeError> {
            match object.remove(key) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(map)) => Ok(map),
                Some(other) => Err(fail(
                    Some(command.clone()),
                    format!("\"{key}\" must be a JSON object, got {}", kind_of(&other)),
                )),
            }
        };
        let params = section("params")?;
        let args = section("args")?;
        let context = section("context")?;

        // The stored state comes from the engine, not the user: a broken one is set aside with
        // a warning rather than failing every later run the same way.
        let mut warnings = Vec::new();
        let mut stored = |key: &str| match object.remove(key) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(other) => {
                warnings.push(format!(
                    "\"{key}\" is {}, not a JSON object; it was ignored",
                    kind_of(&other)
                ));
                Map::new()
            }
        };
        let last_run = stored("lastRun");
        let integration_context = stored("integrationContext");
        Ok(Envelope {
            params,
            args,
            last_run,
            integration_context,
            context,
            command,
            warnings,
        })
    }

    /// The integration instance that runs the command, as outputs name it.
    pub fn instance_name(&self) -> String {
        match self.context.get("IntegrationInstance") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => DEFAULT_INSTANCE_NAME.to_string(),
        }
    }
}

const EMPTY_INPUT: &str = "stdin is empty; send one JSON object such as \
    {\"command\": \"test-module\", \"params\": {\"url\": \"https://example.okta.com\", \
    \"apitoken\": \"…\"}}";

const MISSING_COMMAND: &str =
    "the envelope has no \"command\"; name the command to run, such as \"get-user\"";

/// Describes a JSON value's type in words, for error messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a JSON array",
        Value::Object(_) => "a JSON object",
    }
}

/// XSOAR entry type of a regular result.
pub const ENTRY_NOTE: u8 = 1;

/// XSOAR entry type of an error.
pub const ENTRY_ERROR: u8 = 4;

/// One war-room entry, shaped like XSOAR's `CommandResults.to_context()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Entry type: 1 for a note, 4 for an error.
    #[serde(rename = "Type")]
    pub entry_type: u8,
    /// `json` when `Contents` is structured, `text` when it is a string.
    #[serde(rename = "ContentsFormat")]
    pub contents_format: &'static str,
    /// The raw result.
    #[serde(rename = "Contents")]
    pub contents: Value,
    /// Markdown shown in the war room.
    #[serde(rename = "HumanReadable")]
    pub human_readable: Option<String>,
    /// Context outputs keyed by their XSOAR context paths.
    #[serde(rename = "EntryContext")]
    pub entry_context: Option<Map<String, Value>>,
    /// Whether XSOAR should skip indicator extraction.
    #[serde(rename = "IgnoreAutoExtract")]
    pub ignore_auto_extract: bool,
}

impl Entry {
    /// A structured result with its markdown and context outputs.
    pub fn note(contents: Value, human_readable: String, context: Map<String, Value>) -> Entry {
        Entry {
            entry_type: ENTRY_NOTE,
            contents_format: "json",
            contents,
            human_readable: Some(human_readable),
            entry_context: Some(context),
            ignore_auto_extract: false,
        }
    }

    /// A plain-text result such as `test-module`'s `ok`.
    pub fn text(text: &str) -> Entry {
        Entry {
            entry_type: ENTRY_NOTE,
            contents_format: "text",
            contents: Value::String(text.to_string()),
            human_readable: Some(text.to_string()),
            entry_context: None,
            ignore_auto_extract: false,
        }
    }

    /// An error entry carrying the full error message.
    pub fn error(message: &str) -> Entry {
        Entry {
            entry_type: ENTRY_ERROR,
            contents_format: "text",
            contents: Value::String(message.to_string()),
            human_readable: None,
            entry_context: None,
            ignore_auto_extract: false,
        }
    }
}

/// One diagnostic line the engine may forward to its own log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// `debug`, `info`, `warning` or `error`.
    pub level: &'static str,
    /// The message, free of secrets.
    pub message: String,
}

/// The whole answer of one run, written to stdout as one JSON document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// War-room entries, in order.
    pub results: Vec<Entry>,
    /// Incidents created by `fetch-incidents`; absent for other commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Vec<Value>>,
    /// State for the next `fetch-incidents` run; absent unless the fetch succeeded.
    #[serde(rename = "lastRun", skip_serializing_if = "Option::is_none")]
    pub last_run: Option<Map<String, Value>>,
    /// Diagnostics for the engine's log.
    pub logs: Vec<LogLine>,
    /// The failure message when the command failed, else null.
    pub error: Option<String>,
}

impl Document {
    /// The document of a command that failed, with its one error entry.
    pub fn failure(command: &str, reason: &str, logs: Vec<LogLine>) -> Document {
        let message = format!("Failed to execute {command} command. Error: {reason}");
        Document {
            results: vec![Entry::error(&message)],
            incidents: None,
            last_run: None,
            logs,
            error: Some(message),
        }
    }

    /// The process exit status that goes with this document.
    pub fn exit_code(&self) -> i32 {
        if self.error.is_some() { 1 } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_envelope_and_reads_the_instance_name() {
        let input = br#"{"command":"get-user","params":{"url":"https://x.okta.com"},
            "args":{"scim":"{}"},"lastRun":{},"context":{"IntegrationInstance":"OktaITAdmin"}}"#;
        let envelope = Envelope::parse(input).unwrap();
        assert_eq!(envelope.command, "get-user");
        assert_eq!(envelope.params["url"], "https://x.okta.com");
        assert_eq!(envelope.instance_name(), "OktaITAdmin");
    }

    #[test]
    fn a_broken_stored_state_is_set_aside_with_a_warning() {
        let envelope = Envelope::parse(br#"{"command":"fetch-incidents","lastRun":[1,2]}"#);
        let envelope = envelope.unwrap();
        assert!(envelope.last_run.is_empty());
        assert_eq!(
            envelope.warnings,
            ["\"lastRun\" is a JSON array, not a JSON object; it was ignored"]
        );
    }

    #[test]
    fn only_the_command_is_required() {
        let envelope = Envelope::parse(br#"{"command":"test-module"}"#).unwrap();
        assert!(envelope.args.is_empty());
        assert_eq!(envelope.instance_name(), DEFAULT_INSTANCE_NAME);
    }

    #[test]
    fn rejects_bad_envelopes_with_a_reason() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "stdin is empty"),
            (b"\xff\xfe", "not valid UTF-8"),
            (b"{not json", "not valid JSON"),
            (b"[1,2]", "holds a JSON array, not a JSON object"),
            (br#"{"args":{}}"#, "has no \"command\""),
            (
                br#"{"command":5}"#,
                "\"command\" must be a string, got a number",
            ),
            (
                br#"{"command":"get-user","args":"x"}"#,
                "\"args\" must be a JSON object",
            ),
        ];
        for (input, expected) in cases {
            let err = Envelope::parse(input).unwrap_err();
            assert!(
                err.message.contains(expected),
                "{:?} gave {}",
                input,
                err.message
            );
        }
    }

    #[test]
    fn failure_document_names_the_command_and_exits_one() {
        let document = Document::failure("get-user", "boom", Vec::new());
        let expected = "Failed to execute get-user command. Error: boom";
        assert_eq!(document.error.as_deref(), Some(expected));
        assert_eq!(document.results[0].entry_type, ENTRY_ERROR);
        assert_eq!(document.results[0].contents, expected);
        assert_eq!(document.exit_code(), 1);
    }
}
