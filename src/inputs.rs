//! Typed reading of command arguments and instance parameters.
//!
//! Engines send values either as strings (`"true"`, `"10"`, a JSON text) or as JSON values
//! (`true`, `10`, an object); every reader here accepts both. Readers validate and convert only;
//! what a value means for Okta is decided by the commands.

use serde_json::{Map, Value};

use crate::envelope::kind_of;

/// Largest nesting depth accepted in a JSON text argument.
const MAX_JSON_DEPTH: usize = 64;

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

    fn error(&self, name: &str, problem: impl std::fmt::Display) -> InputError {
        let source = match self.source {
            Source::Argument => "argument",
            Source::Parameter => "parameter",
        };
        InputError(format!("the {source} '{name}' {problem}"))
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
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                        .map(|f| f as u64)
                })
                .map(Some)
                .ok_or_else(|| self.error(name, format!("must be a whole number, got {number}"))),
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
        match self.present(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(Value::String(text)) => {
                let parsed: Value = serde_json::from_str(text)
                    .map_err(|err| self.error(name, format!("is not valid JSON ({err})")))?;
                if depth(&parsed) > MAX_JSON_DEPTH {
                    let problem = format!("is nested deeper than {MAX_JSON_DEPTH} levels");
                    return Err(self.error(name, problem));
                }
                match parsed {
                    Value::Object(map) => Ok(Some(map)),
                    other => Err(self.error(name, expected(kind_of(&other)))),
                }
            }
            Some(other) => Err(self.error(name, expected(kind_of(other)))),
        }
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
                    Ok(Some(password.trim().to_string()))
                }
                _ => Err(self.error(name, "is a credentials object without a password")),
            },
            _ => self.text(name),
        }
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
}
