//! Typed reading of command arguments and instance parameters.
//!
//! Engines send values either as strings (`"true"`, `"10"`, a JSON text) or as JSON values
//! (`true`, `10`, an object); every reader here accepts both. Readers validate and convert only;
//! what a value means for Okta is decided by the commands.
//!
//! Hostile input is refused here, before any request: values over [`MAX_INPUT_BYTES`], JSON
//! nested deeper than [`MAX_JSON_DEPTH`], and control characters (other than tab, and line
//! breaks inside JSON values). Invalid UTF-8 never gets this far: the envelope is refused whole.

use serde_json::{Map, Value};

use crate::envelope::kind_of;

/// Largest nesting depth accepted in a JSON argument or parameter.
pub const MAX_JSON_DEPTH: usize = 64;

/// Largest argument or parameter accepted, in bytes (as text, or as JSON when it is an object).
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Whether a value is an argument of the command or a parameter of the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command argument (`args`).
    Argument,
    /// An integration instance parameter (`params`).
    Parameter,
}

/// A named value that is missing or of the wrong shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Reads named values from one section of the envelope.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    values: &'a Map<String, Value>,
    source: Source,
}

impl<'a> Inputs<'a> {
    /// Reads the command's arguments.
    pub fn arguments(values: &'a Map<String, Value>) -> Inputs<'a> {
        Inputs {
            values,
            source: Source::Argument,
        }
    }

    /// Reads the instance's parameters.
    pub fn parameters(values: &'a Map<String, Value>) -> Inputs<'a> {
        Inputs {
            values,
            source: Source::Parameter,
        }
    }

    /// What these values are called in messages: "argument" or "parameter".
    pub fn kind(&self) -> &'static str {
        match self.source {
            Source::Argument => "argument",
            Source::Parameter => "parameter",
        }
    }

    fn error(&self, name: &str, problem: impl std::fmt::Display) -> InputError {
        InputError(format!("the {} '{name}' {problem}", self.kind()))
    }

    /// The raw value, treating null and blank strings as absent.
    fn present(&self, name: &str) -> Option<&'a Value> {
        match self.values.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(value) => Some(value),
        }
    }

    /// A text value; numbers are accepted and written as text. Surrounding spaces are trimmed.
    pub fn text(&self, name: &str) -> Result<Option<String>, InputError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(text)) => {
                self.check_size(name, text.len())?;
                if text.chars().any(|c| c.is_control() && c != '\t') {
                    return Err(self.error(name, "contains control characters; remove them"));
                }
                Ok(Some(text.trim().to_string()))
            }
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            Some(other) => Err(self.error(name, format!("must be text, got {}", kind_of(other)))),
        }
    }

    /// A text value that must be present.
    pub fn required_text(&self, name: &str) -> Result<String, InputError> {
        self.text(name)?
            .ok_or_else(|| self.error(name, "is required"))
    }

    /// A boolean given as `true`/`false` or as text such as `"true"`, `"false"`, `"yes"`, `"no"`.
    pub fn flag(&self, name: &str) -> Result<Option<bool>, InputError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Some(true)),
                "false" | "no" | "0" => Ok(Some(false)),
                _ => Err(self.error(name, format!("must be true or false, got '{text}'"))),
            },
            Some(other) => Err(self.error(
                name,
                format!("must be true or false, got {}", kind_of(other)),
            )),
        }
    }

    /// A whole number of at least zero, given as a number or as text.
    pub fn count(&self, name: &str) -> Result<Option<u64>, InputError> {
        let whole = |text: &str| text.trim().parse::<u64>().ok();
        match self.present(name) {
            None => Ok(None),
            Some(Value::Number(number)) => number
                .as_u64()
                .or_else(|| {
                    number
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && (0.0..u64::MAX as f64).contains(f))
                        .map(|f| f as u64)
                })
                .map(Some)
                .ok_or_else(|| {
                    self.error(
                        name,
                        format!("must be a whole number of a sensible size, got {number}"),
                    )
                }),
            Some(Value::String(text)) => whole(text)
                .map(Some)
                .ok_or_else(|| self.error(name, format!("must be a whole number, got '{text}'"))),
            Some(other) => Err(self.error(
                name,
                format!("must be a whole number, got {}", kind_of(other)),
            )),
        }
    }

    /// A JSON object given as an object or as the text of one; `what` says what it holds.
    pub fn object(&self, name: &str, what: &str) -> Result<Option<Map<String, Value>>, InputError> {
        let expected = |got: &str| format!("must be a JSON object ({what}), got {got}");
        let map = match self.present(name) {
            None => return Ok(None),
            Some(Value::Object(map)) => {
                self.check_size(name, encoded_len(map))?;
                map.clone()
            }
            Some(Value::String(text)) => {
                self.check_size(name, text.len())?;
                let parsed: Value = serde_json::from_str(text)
                    .map_err(|err| self.error(name, format!("is not valid JSON ({err})")))?;
                match parsed {
                    Value::Object(map) => map,
                    other => return Err(self.error(name, expected(kind_of(&other)))),
                }
            }
            Some(other) => return Err(self.error(name, expected(kind_of(other)))),
        };
        let checked = Value::Object(map);
        self.check_json(name, &checked)?;
        Ok(match checked {
            Value::Object(map) => Some(map),
            _ => None,
        })
    }

    /// A JSON object that must be present.
    pub fn required_object(
        &self,
        name: &str,
        what: &str,
    ) -> Result<Map<String, Value>, InputError> {
        self.object(name, what)?
            .ok_or_else(|| self.error(name, "is required"))
    }

    /// A secret given as text or as a credentials object `{"identifier", "password"}`.
    pub fn secret(&self, name: &str) -> Result<Option<String>, InputError> {
        match self.present(name) {
            Some(Value::Object(credentials)) => match credentials.get("password") {
                Some(Value::String(password)) if !password.trim().is_empty() => {
                    self.check_size(name, password.len())?;
                    if password.chars().any(char::is_control) {
                        return Err(self.error(name, "has a password with control characters"));
                    }
                    Ok(Some(password.trim().to_string()))
                }
                _ => Err(self.error(name, "is a credentials object without a password")),
            },
            Some(other @ (Value::Number(_) | Value::Bool(_) | Value::Array(_))) => Err(self.error(
                name,
                format!(
                    "must be text or a credentials object, got {}",
                    kind_of(other)
                ),
            )),
            _ => self.text(name),
        }
    }
}

impl Inputs<'_> {
    /// Checks every value of the section for what no reader accepts: oversized values, JSON
    /// nested too deep, control characters. Readers check the same; this catches values a
    /// command does not read, so that no part of the envelope goes unchecked.
    pub fn check_all(&self) -> Result<(), InputError> {
        for (name, value) in self.values {
            self.check_size(name, encoded_len(value))?;
            self.check_json(name, value)?;
        }
        Ok(())
    }

    fn check_size(&self, name: &str, bytes: usize) -> Result<(), InputError> {
        if bytes > MAX_INPUT_BYTES {
            return Err(self.error(
                name,
                format!(
                    "is {bytes} bytes long; at most {MAX_INPUT_BYTES} bytes (1 MiB) are accepted"
                ),
            ));
        }
        Ok(())
    }

    /// Refuses JSON nested deeper than [`MAX_JSON_DEPTH`] or holding control characters (tab
    /// and line breaks aside) in any key or string.
    fn check_json(&self, name: &str, value: &Value) -> Result<(), InputError> {
        if depth(value) > MAX_JSON_DEPTH {
            let problem = format!("is nested deeper than {MAX_JSON_DEPTH} levels");
            return Err(self.error(name, problem));
        }
        if let Some(at) = control_character_at(value, "") {
            let place = if at.is_empty() {
                String::new()
            } else {
                format!(" at '{at}'")
            };
            return Err(self.error(
                name,
                format!("contains control characters{place}; remove them"),
            ));
        }
        Ok(())
    }
}

/// Length of a value written as compact JSON.
fn encoded_len(value: &impl serde::Serialize) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |bytes| bytes.len())
}

/// Where a JSON value first holds a control character other than tab, CR and LF, as a dotted
/// path (`""` for the value itself).
fn control_character_at(value: &Value, at: &str) -> Option<String> {
    let bad = |text: &str| {
        text.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match value {
        Value::String(text) => bad(text).then(|| at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| control_character_at(item, &join(&index.to_string()))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if bad(key) {
                Some(join(&key.escape_debug().to_string()))
            } else {
                control_character_at(item, &join(key))
            }
        }),
        _ => None,
    }
}

/// Nesting depth of a JSON value, counting arrays and objects.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn flags_accept_booleans_and_text() {
        let values = map(json!({"a": true, "b": "false", "c": "TRUE", "d": "", "e": "maybe"}));
        let params = Inputs::parameters(&values);
        assert_eq!(params.flag("a"), Ok(Some(true)));
        assert_eq!(params.flag("b"), Ok(Some(false)));
        assert_eq!(params.flag("c"), Ok(Some(true)));
        assert_eq!(params.flag("d"), Ok(None));
        assert_eq!(params.flag("missing"), Ok(None));
        let err = params.flag("e").unwrap_err();
        assert_eq!(
            err.0,
            "the parameter 'e' must be true or false, got 'maybe'"
        );
    }

    #[test]
    fn counts_accept_numbers_and_text() {
        let values = map(json!({"a": 10, "b": " 25 ", "c": "ten", "d": -1, "e": 3.0}));
        let params = Inputs::parameters(&values);
        assert_eq!(params.count("a"), Ok(Some(10)));
        assert_eq!(params.count("b"), Ok(Some(25)));
        assert_eq!(params.count("e"), Ok(Some(3)));
        assert!(
            params
                .count("c")
                .unwrap_err()
                .0
                .contains("must be a whole number, got 'ten'")
        );
        assert!(params.count("d").is_err());
    }

    #[test]
    fn objects_accept_objects_and_json_text() {
        let values = map(json!({
            "a": {"id": "1"}, "b": "{\"id\":\"2\"}", "c": "[1]", "d": "{oops", "e": 7
        }));
        let args = Inputs::arguments(&values);
        assert_eq!(args.object("a", "a SCIM user").unwrap().unwrap()["id"], "1");
        assert_eq!(args.object("b", "a SCIM user").unwrap().unwrap()["id"], "2");
        let err = args.object("c", "a SCIM user").unwrap_err();
        assert_eq!(
            err.0,
            "the argument 'c' must be a JSON object (a SCIM user), got a JSON array"
        );
        assert!(
            args.object("d", "x")
                .unwrap_err()
                .0
                .contains("is not valid JSON")
        );
        assert!(
            args.object("e", "x")
                .unwrap_err()
                .0
                .contains("got a number")
        );
        let err = args.required_object("missing", "a SCIM user").unwrap_err();
        assert_eq!(err.0, "the argument 'missing' is required");
    }

    #[test]
    fn deeply_nested_json_text_is_refused() {
        let text = format!(
            "{}{}",
            "{\"a\":".repeat(100),
            "1".to_string() + &"}".repeat(100)
        );
        let values = map(json!({ "scim": text }));
        let err = Inputs::arguments(&values).object("scim", "x").unwrap_err();
        assert!(err.0.contains("nested deeper than 64"), "{}", err.0);
    }

    #[test]
    fn secrets_accept_text_and_credentials() {
        let values = map(json!({
            "a": "tok", "b": {"identifier": "", "password": "tok2"}, "c": {"identifier": "x"}
        }));
        let params = Inputs::parameters(&values);
        assert_eq!(params.secret("a"), Ok(Some("tok".to_string())));
        assert_eq!(params.secret("b"), Ok(Some("tok2".to_string())));
        assert!(
            params
                .secret("c")
                .unwrap_err()
                .0
                .contains("without a password")
        );
    }

    #[test]
    fn text_refuses_control_characters() {
        let values = map(json!({"a": "x\u{0}y", "b": 42}));
        let args = Inputs::arguments(&values);
        assert!(args.text("a").unwrap_err().0.contains("control characters"));
        assert_eq!(args.text("b"), Ok(Some("42".to_string())));
    }

    #[test]
    fn oversized_values_are_refused_by_name() {
        let big = "x".repeat(MAX_INPUT_BYTES + 1);
        let values = map(json!({"a": big, "b": format!("{{\"k\": \"{big}\"}}"), "c": {"k": big}}));
        let args = Inputs::arguments(&values);
        let err = args.text("a").unwrap_err();
        assert_eq!(
            err.0,
            "the argument 'a' is 1048577 bytes long; at most 1048576 bytes (1 MiB) are accepted"
        );
        assert!(
            args.object("b", "x")
                .unwrap_err()
                .0
                .starts_with("the argument 'b' is 10485")
        );
        assert!(
            args.object("c", "x")
                .unwrap_err()
                .0
                .starts_with("the argument 'c' is 10485")
        );
    }

    #[test]
    fn objects_refuse_control_characters_but_keep_line_breaks() {
        let values = map(json!({
            "ok": {"address": {"formatted": "1 Main St\r\nTown\tX"}},
            "value": {"emails": [{"value": "a\u{0}@x.com"}]},
            "key": "{\"na\\u001bme\": 1}"
        }));
        let args = Inputs::arguments(&values);
        assert!(args.object("ok", "x").is_ok());
        assert_eq!(
            args.object("value", "x").unwrap_err().0,
            "the argument 'value' contains control characters at 'emails.0.value'; remove them"
        );
        assert_eq!(
            args.object("key", "x").unwrap_err().0,
            "the argument 'key' contains control characters at 'na\\u{1b}me'; remove them"
        );
    }

    #[test]
    fn nested_objects_are_refused_like_nested_text() {
        let mut deep = json!(1);
        for _ in 0..MAX_JSON_DEPTH {
            deep = json!([deep]);
        }
        let values = map(json!({ "a": { "k": deep } }));
        let err = Inputs::arguments(&values).object("a", "x").unwrap_err();
        assert_eq!(err.0, "the argument 'a' is nested deeper than 64 levels");
    }

    #[test]
    fn check_all_covers_values_no_reader_asked_for() {
        let values = map(json!({"fine": "x", "odd": ["a", "\u{7}"]}));
        let err = Inputs::parameters(&values).check_all().unwrap_err();
        assert_eq!(
            err.0,
            "the parameter 'odd' contains control characters at '1'; remove them"
        );
        let values = map(json!({"fine": "x\ny", "n": 5, "o": {"k": [true, null]}}));
        assert_eq!(Inputs::parameters(&values).check_all(), Ok(()));
    }

    #[test]
    fn credential_passwords_are_checked_too() {
        let values = map(json!({"t": {"identifier": "", "password": "ab\u{0}cd"}}));
        let err = Inputs::parameters(&values).secret("t").unwrap_err();
        assert_eq!(
            err.0,
            "the parameter 't' has a password with control characters"
        );
    }
}
