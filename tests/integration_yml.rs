//! `integration.yml` declares exactly what the code does: the same commands with the same
//! arguments, and the parameters the code reads.

use std::collections::BTreeSet;

use serde_json::Value;

use okta_it_admin::commands::{COMMANDS, PARAMETERS};

fn definition() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/integration.yml");
    let text = std::fs::read_to_string(path).expect("integration.yml exists");
    serde_yaml_ng::from_str(&text).expect("integration.yml is YAML")
}

fn names(items: &Value) -> BTreeSet<String> {
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["name"].as_str())
                .map(String::from)
        })
        .into_iter()
        .flatten()
        .collect()
}

/// Commands every XSOAR integration answers without declaring them.
const BUILT_IN: [&str; 2] = ["test-module", "fetch-incidents"];

#[test]
fn declared_commands_are_the_commands_of_the_code() {
    let yml = definition();
    let declared = names(&yml["script"]["commands"]);
    let coded: BTreeSet<String> = COMMANDS
        .iter()
        .map(|command| command.name.to_string())
        .filter(|name| !BUILT_IN.contains(&name.as_str()))
        .collect();
    assert_eq!(declared, coded);
    assert_eq!(yml["script"]["isfetch"], true);
    assert!(
        COMMANDS
            .iter()
            .any(|command| command.name == "fetch-incidents")
    );
    assert!(COMMANDS.iter().any(|command| command.name == "test-module"));
}

#[test]
fn declared_arguments_are_the_arguments_of_the_code() {
    let yml = definition();
    let commands = yml["script"]["commands"]
        .as_array()
        .expect("commands list")
        .clone();
    for command in COMMANDS
        .iter()
        .filter(|command| !BUILT_IN.contains(&command.name))
    {
        let declared = commands
            .iter()
            .find(|item| item["name"] == command.name)
            .map(|item| names(&item["arguments"]))
            .unwrap_or_default();
        let coded: BTreeSet<String> = command
            .arguments
            .iter()
            .map(|name| name.to_string())
            .collect();
        assert_eq!(declared, coded, "{}", command.name);
    }
}

#[test]
fn declared_parameters_are_the_parameters_of_the_code() {
    let declared = names(&definition()["configuration"]);
    let coded: BTreeSet<String> = PARAMETERS.iter().map(|name| name.to_string()).collect();
    assert_eq!(declared, coded);
}

#[test]
fn every_command_argument_and_output_is_described() {
    let yml = definition();
    for command in yml["script"]["commands"].as_array().expect("commands") {
        let name = command["name"].as_str().unwrap_or_default();
        assert!(
            command["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}"
        );
        for argument in command["arguments"].as_array().into_iter().flatten() {
            assert!(
                argument["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{name}"
            );
        }
        for output in command["outputs"].as_array().into_iter().flatten() {
            assert!(output["contextPath"].as_str().is_some(), "{name}: {output}");
            assert!(
                output["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{name}"
            );
            let kind = output["type"].as_str().unwrap_or_default();
            assert!(
                ["String", "Number", "Boolean", "Date", "Unknown"].contains(&kind),
                "{name}"
            );
        }
    }
}
