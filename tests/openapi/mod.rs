//! Okta's own OpenAPI description (`../shared/okta-openapi/okta-subset.yaml`) as test data:
//! which operation a request is, what query parameters it declares, and JSON-Schema validators
//! for its responses.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4/7; the one keyword of the dialect
//! the subset uses that JSON Schema does not know is `nullable: true`, translated here into a
//! `"null"` type (and a `null` enum member), which is what OpenAPI 3.0 means by it.

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::{Map, Value, json};

/// Where the shared folder keeps the description, relative to the repository.
pub const SPEC_PATH: &str = "../shared/okta-openapi/okta-subset.yaml";

/// The parsed description.
pub struct Spec {
    /// The whole document, as JSON, `nullable` translated.
    pub document: Value,
}

/// One operation of the description.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its `operationId`, such as `getUser`.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Its path template, such as `/api/v1/users/{id}`.
    pub template: String,
    /// Names of the query parameters it declares (path-level ones included).
    pub query_names: Vec<String>,
}

impl Spec {
    /// Loads the description from the shared folder beside the repository.
    pub fn load() -> Spec {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SPEC_PATH);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
            panic!(
                "cannot read Okta's OpenAPI description {} ({err}): the shared folder must \
                 sit beside the repository",
                path.display()
            )
        });
        let mut document: Value = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|err| panic!("{} is not YAML: {err}", path.display()));
        translate_nullable(&mut document);
        Spec { document }
    }

    /// Follows a local `$ref` (`#/components/...`), or returns the node itself.
    pub fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference.trim_start_matches('#');
                let target = self
                    .document
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("the description has no {reference}"));
                self.resolve(target)
            }
            None => node,
        }
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> Vec<Operation> {
        let mut operations = Vec::new();
        let paths = self.document["paths"].as_object().expect("paths");
        for (template, item) in paths {
            let shared = self.parameters(&item["parameters"]);
            for (method, operation) in item.as_object().expect("path item") {
                if method == "parameters" {
                    continue;
                }
                let mut parameters = shared.clone();
                parameters.extend(self.parameters(&operation["parameters"]));
                let query_names = parameters
                    .iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(String::from))
                    .collect();
                operations.push(Operation {
                    id: operation["operationId"].as_str().unwrap_or_default().into(),
                    method: method.to_uppercase(),
                    template: template.clone(),
                    query_names,
                });
            }
        }
        operations
    }

    fn parameters(&self, list: &Value) -> Vec<Value> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|p| self.resolve(p).clone())
            .collect()
    }

    /// The operation a request is, by method and (decoded or encoded) path; literal segments
    /// win over templated ones.
    pub fn operation_for(&self, method: &str, path: &str) -> Option<Operation> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.operations()
            .into_iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method))
            .filter_map(|op| {
                let template: Vec<&str> = op.template.split('/').collect();
                if template.len() != segments.len() {
                    return None;
                }
                let mut literal = 0;
                for (want, got) in template.iter().zip(&segments) {
                    if want.starts_with('{') && want.ends_with('}') {
                        if got.is_empty() {
                            return None;
                        }
                    } else if want == got {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, op))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, op)| op)
    }

    fn operation_node(&self, operation_id: &str) -> &Value {
        self.document["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
            .find(|op| op["operationId"] == operation_id)
            .unwrap_or_else(|| panic!("the description has no operation {operation_id}"))
    }

    /// The JSON schema of an operation's `application/json` answer with this status (falling
    /// back to `default`): `None` when the description gives that answer no JSON body, and a
    /// panic when it does not describe the status at all.
    pub fn response_schema(&self, operation_id: &str, status: u16) -> Option<Value> {
        let responses = &self.operation_node(operation_id)["responses"];
        let response = responses
            .get(status.to_string())
            .or_else(|| responses.get("default"))
            .unwrap_or_else(|| {
                panic!("{operation_id} has no response {status} in the description")
            });
        self.resolve(response)
            .pointer("/content/application~1json/schema")
            .cloned()
    }

    /// Lets `components.schemas.<schema>.properties.<property>` also be `null`: a documented
    /// exception for data real Okta sends that the published schema leaves out.
    pub fn allow_null(&mut self, schema: &str, property: &str) {
        self.widen(schema, property, json!({ "type": "null" }));
    }

    /// Lets the property also match `alternative` (a documented exception, as above).
    pub fn widen(&mut self, schema: &str, property: &str, alternative: Value) {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        let node = self
            .document
            .pointer_mut(&pointer)
            .unwrap_or_else(|| panic!("the description has no {pointer} to widen"));
        let original = node.take();
        *node = json!({ "anyOf": [original, alternative] });
    }

    /// The examples the description gives for an operation's `application/json` answer with
    /// this status, by name.
    pub fn response_examples(&self, operation_id: &str, status: u16) -> Vec<(String, Value)> {
        let responses = &self.operation_node(operation_id)["responses"];
        let Some(response) = responses.get(status.to_string()) else {
            return Vec::new();
        };
        let examples = self
            .resolve(response)
            .pointer("/content/application~1json/examples")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        examples
            .into_iter()
            .filter_map(|(name, example)| {
                let value = self.resolve(&example).get("value").cloned()?;
                Some((name, value))
            })
            .collect()
    }

    /// A validator for `schema` whose root is the whole description, so `#/components/...`
    /// references resolve.
    pub fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let mut root = self.document.clone();
        let object = root.as_object_mut().expect("the description is an object");
        object.insert("x-contract-target".into(), schema.clone());
        object.insert("$ref".into(), json!("#/x-contract-target"));
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_ignore_unknown_formats(true)
            .build(&root)
            .unwrap_or_else(|err| panic!("the schema {schema} does not compile: {err}"))
    }
}

/// Errors of `instance` against `validator`, one line each.
pub fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("at '{}': {error}", error.instance_path()))
        .collect()
}

/// Rewrites OpenAPI 3.0's `nullable: true` as JSON Schema: `type: [T, "null"]` and `null`
/// among the `enum` values. Examples are left alone.
fn translate_nullable(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) {
                allow_null(map);
            }
            for (key, value) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    translate_nullable(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(translate_nullable),
        _ => {}
    }
}

fn allow_null(map: &mut Map<String, Value>) {
    if let Some(Value::String(kind)) = map.get("type").cloned() {
        map.insert("type".into(), json!([kind, "null"]));
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}
