//! The recorded fixtures agree with the reference documentation
//! (`../shared/spec/okta-it-admin-reference.md`): each command example's arguments are the
//! fixture's envelope, and its context example and human-readable table are the fixture's
//! expected output. Together with `replay_fixtures`, this proves the binary prints what the
//! reference documents.
//!
//! Two deliberate differences are checked explicitly rather than hidden:
//! * the reference's tables link `_links` to `panw-test.oktapreview.com` while its context
//!   examples use `test.com` for the same objects; the fixtures follow the context;
//! * `enable-user` and `disable-user` fill `username` and `email` from the looked-up user where
//!   the reference shows null (its SCIM gave only an id).

use std::path::PathBuf;

use serde_json::{Map, Value};

/// One command section of the reference.
struct Example {
    command: String,
    args: Map<String, Value>,
    context: Value,
    table: String,
}

fn reference_text() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/okta-it-admin-reference.md");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("the reference {} is needed: {err}", path.display()))
}

fn examples() -> Vec<Example> {
    let text = reference_text();
    let commands = text
        .split("\n## Commands\n")
        .nth(1)
        .expect("a Commands section");
    commands
        .split("\n### ")
        .skip(1)
        .map(|section| {
            let command = section
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            let example_line = between(section, "```!", "```");
            let context_text = between(section, "#### Context Example\n```\n", "\n```");
            let table: String = section
                .split("#### Human Readable Output\n")
                .nth(1)
                .expect("a Human Readable Output")
                .lines()
                .filter_map(|line| line.strip_prefix('>'))
                .map(|line| format!("{line}\n"))
                .collect();
            Example {
                args: command_arguments(&example_line),
                context: serde_json::from_str(&context_text).expect("context example is JSON"),
                table,
                command,
            }
        })
        .collect()
}

fn between(text: &str, start: &str, end: &str) -> String {
    let after = text.split_once(start).expect("start marker").1;
    after.split_once(end).expect("end marker").0.to_string()
}

/// Parses `name-of-command a=1 b={"x": 1} using=Instance` into its arguments.
fn command_arguments(line: &str) -> Map<String, Value> {
    let mut args = Map::new();
    let mut rest = line.split_once(' ').map_or("", |(_, rest)| rest).trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').expect("name=value");
        let (value, remaining) = if after.starts_with('{') {
            let mut depth = 0;
            let end = after
                .char_indices()
                .find_map(|(index, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(index + 1)
                })
                .expect("balanced braces");
            after.split_at(end)
        } else {
            after.split_once(' ').unwrap_or((after, ""))
        };
        if name != "using" {
            args.insert(name.to_string(), Value::String(value.to_string()));
        }
        rest = remaining.trim();
    }
    args
}

fn fixture(command: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("test_data/fixtures/{command}.json"));
    let text = std::fs::read_to_string(&path).expect("a fixture per reference example");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Arguments compare as JSON when they hold JSON text, else as text.
fn same_argument(a: &Value, b: &Value) -> bool {
    let parse = |value: &Value| {
        value
            .as_str()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
    };
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

#[test]
fn the_reference_has_an_example_for_each_command_but_test_module() {
    let names: Vec<String> = examples()
        .into_iter()
        .map(|example| example.command)
        .collect();
    assert_eq!(
        names,
        [
            "create-user",
            "update-user",
            "get-user",
            "enable-user",
            "disable-user",
            "okta-get-assigned-user-for-app"
        ]
    );
}

#[test]
fn fixture_envelopes_are_the_reference_command_examples() {
    for example in examples() {
        let fixture = fixture(&example.command);
        let envelope = &fixture["envelope"];
        assert_eq!(envelope["command"], example.command.as_str());
        assert_eq!(envelope["context"]["IntegrationInstance"], "OktaITAdmin");
        let args = envelope["args"].as_object().expect("args object");
        assert_eq!(args.len(), example.args.len(), "{}", example.command);
        for (name, value) in &example.args {
            assert!(
                same_argument(&args[name], value),
                "{}: argument {name}",
                example.command
            );
        }
    }
}

#[test]
fn fixture_outputs_are_the_reference_context_and_tables() {
    for example in examples() {
        let fixture = fixture(&example.command);
        let entry = &fixture["expected"]["results"][0];
        let (reference_key, reference_context) = example
            .context
            .as_object()
            .and_then(|c| c.iter().next())
            .expect("one context key");
        let mut reference_context = reference_context.clone();
        let mut reference_table = example
            .table
            .replace("https://panw-test.oktapreview.com", "https://test.com");

        let context_key = if reference_key == "Okta" {
            reference_context = reference_context["UserAppAssignment"].clone();
            "Okta.UserAppAssignment(val.id && val.id === obj.id)".to_string()
        } else {
            format!("{reference_key}(val.id == obj.id && val.instanceName == obj.instanceName)")
        };
        let ours = &entry["EntryContext"][&context_key];

        if matches!(example.command.as_str(), "enable-user" | "disable-user") {
            let login = "testdemisto@paloaltonetworks.com";
            assert_eq!(reference_context["username"], Value::Null);
            assert_eq!(reference_context["email"], Value::Null);
            reference_context["username"] = Value::from(login);
            reference_context["email"] = Value::from(login);
            let mut lines: Vec<String> = reference_table.lines().map(String::from).collect();
            lines[1].push_str("username|email|");
            lines[2].push_str("---|---|");
            lines[3].push_str(&format!(" {login} | {login} |"));
            reference_table = lines.join("\n") + "\n";
        }

        assert_eq!(ours, &reference_context, "{}: context", example.command);
        assert_eq!(
            entry["Contents"], reference_context,
            "{}: contents",
            example.command
        );
        assert_eq!(
            entry["HumanReadable"],
            reference_table.as_str(),
            "{}: table",
            example.command
        );
    }
}
