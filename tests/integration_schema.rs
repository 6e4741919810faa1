//! `integration.yml` against references nobody here wrote: the XSOAR integration JSON Schema
//! exported from demisto-sdk (`../shared/xsoar/integration.schema.json`), and the validator
//! conventions of `../shared/reference/xsoar-protocol.md` section 3 that the schema does not
//! express (fetch parameters, `insecure`/`proxy`, type codes, descriptions, output types).
//!
//! `tests/integration_yml.rs` checks that the declared names are the ones the code uses.

use std::path::PathBuf;

use serde_json::{Value, json};

fn integration_yml() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/integration.yml");
    let text = std::fs::read_to_string(path).expect("integration.yml exists");
    serde_yaml_ng::from_str(&text).expect("integration.yml is YAML")
}

fn shared(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative)
}

fn schema() -> Value {
    let path = shared("xsoar/integration.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read {} ({err}): the shared folder must sit beside the repository",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("the XSOAR schema is JSON")
}

fn validator() -> jsonschema::Validator {
    // The pydantic export has no `$schema`; its keywords are draft 7.
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema())
        .expect("the XSOAR schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("at '{}': {error}", error.instance_path()))
        .collect()
}

#[test]
fn integration_yml_validates_against_the_xsoar_schema() {
    let errors = schema_errors(&validator(), &integration_yml());
    assert!(
        errors.is_empty(),
        "integration.yml does not match ../shared/xsoar/integration.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_schema_check_rejects_broken_definitions() {
    // The schema is strict enough to be worth running: each of these breaks it.
    let validator = validator();
    type Breakage = (&'static str, fn(&mut Value));
    let breakages: [Breakage; 4] = [
        ("an unknown top-level key", |yml| {
            yml["unknownKey"] = json!(true);
        }),
        ("a configuration type that is not an integer", |yml| {
            yml["configuration"][0]["type"] = json!("zero");
        }),
        ("an argument without a description", |yml| {
            let argument = &mut yml["script"]["commands"][0]["arguments"][0];
            argument
                .as_object_mut()
                .expect("argument")
                .remove("description");
        }),
        ("a missing script", |yml| {
            yml.as_object_mut().expect("top level").remove("script");
        }),
    ];
    for (what, break_it) in breakages {
        let mut yml = integration_yml();
        break_it(&mut yml);
        assert!(
            !schema_errors(&validator, &yml).is_empty(),
            "the schema accepted {what}"
        );
    }
}

/// Parameter type codes of demisto-sdk's `ParameterType`.
const PARAMETER_TYPES: [i64; 18] = [
    0, 1, 4, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
];

/// Context output types XSOAR knows.
const OUTPUT_TYPES: [&str; 5] = ["String", "Number", "Boolean", "Date", "Unknown"];

/// Categories of the content repository's `Config/approved_categories.json`.
const APPROVED_CATEGORIES: [&str; 20] = [
    "Analytics & SIEM",
    "Case Management",
    "Cloud Services",
    "Cloud Security",
    "Data Enrichment & Threat Intelligence",
    "Database",
    "Deception & Breach Simulation",
    "Endpoint",
    "Forensics & Malware Analysis",
    "IT Services",
    "Identity and Access Management",
    "Messaging and Conferencing",
    "Network Security",
    "Utilities",
    "Vulnerability Management",
    "Authentication & Identity Management",
    "Email",
    "Cloud Service Provider",
    "Code Repositories",
    "CI/CD",
];

fn items<'a>(value: &'a Value, what: &str) -> &'a Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what} is not a list"))
}

fn parameter<'a>(yml: &'a Value, name: &str) -> &'a Value {
    items(&yml["configuration"], "configuration")
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("integration.yml has no parameter '{name}'"))
}

/// A description XSOAR's validator accepts: present, not blank, ending with a period.
fn description_problem(description: &Value) -> Option<&'static str> {
    match description.as_str().map(str::trim) {
        None => Some("has no description"),
        Some("") => Some("has an empty description"),
        Some(text) if !text.ends_with('.') => Some("has a description without a final period"),
        Some(_) => None,
    }
}

#[test]
fn fetch_integration_carries_the_fetch_parameters() {
    let yml = integration_yml();
    assert_eq!(yml["script"]["isfetch"], true, "the integration fetches");
    assert_eq!(
        parameter(&yml, "isFetch")["type"],
        8,
        "isFetch is a boolean"
    );
    assert_eq!(
        parameter(&yml, "incidentType")["type"],
        13,
        "incidentType type"
    );
    assert_eq!(
        parameter(&yml, "max_fetch")["type"],
        0,
        "max_fetch is short text"
    );
    assert_eq!(
        parameter(&yml, "first_fetch")["type"],
        0,
        "first_fetch is short text"
    );
    assert!(
        parameter(&yml, "max_fetch")["defaultvalue"].is_string(),
        "max_fetch has a default"
    );
}

#[test]
fn insecure_and_proxy_follow_the_conventions() {
    let yml = integration_yml();
    for (name, display) in [
        ("insecure", "Trust any certificate (not secure)"),
        ("proxy", "Use system proxy settings"),
    ] {
        let item = parameter(&yml, name);
        assert_eq!(item["type"], 8, "{name} is a boolean (type 8)");
        assert_eq!(item["display"], display, "{name} display");
        assert_ne!(item["required"], true, "{name} is not required");
    }
}

#[test]
fn parameters_use_known_type_codes_and_no_plain_encrypted_secrets() {
    let yml = integration_yml();
    for item in items(&yml["configuration"], "configuration") {
        let name = item["name"].as_str().unwrap_or("(unnamed)");
        let code = item["type"]
            .as_i64()
            .unwrap_or_else(|| panic!("parameter {name} has no integer type"));
        assert!(
            PARAMETER_TYPES.contains(&code),
            "parameter {name} has type {code}, which is no XSOAR parameter type"
        );
        // IN145: secrets belong in credentials (9), not in the older encrypted type (4).
        assert_ne!(code, 4, "parameter {name}: use type 9 for secrets");
        assert!(
            item["display"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty()),
            "parameter {name} has no display name"
        );
        if let Some(info) = item.get("additionalinfo") {
            assert_eq!(
                description_problem(info),
                None,
                "parameter {name} additionalinfo"
            );
        }
    }
}

#[test]
fn identity_category_and_display_follow_the_conventions() {
    let yml = integration_yml();
    assert_eq!(yml["commonfields"]["version"], -1);
    assert_eq!(yml["commonfields"]["id"], yml["name"]);
    let category = yml["category"].as_str().expect("category");
    assert!(
        APPROVED_CATEGORIES.contains(&category),
        "category '{category}' is not approved"
    );
    let display = yml["display"].as_str().expect("display");
    assert!(
        !display.contains("Integration"),
        "display '{display}' must not contain 'Integration' (BA110)"
    );
    assert_eq!(
        description_problem(&yml["description"]),
        None,
        "description"
    );
}

#[test]
fn every_command_argument_and_output_is_described() {
    let yml = integration_yml();
    let mut problems = Vec::new();
    for command in items(&yml["script"]["commands"], "script.commands") {
        let name = command["name"].as_str().unwrap_or("(unnamed)");
        if let Some(problem) = description_problem(&command["description"]) {
            problems.push(format!("command {name} {problem}"));
        }
        for argument in command["arguments"].as_array().into_iter().flatten() {
            let argument_name = argument["name"].as_str().unwrap_or("(unnamed)");
            if let Some(problem) = description_problem(&argument["description"]) {
                problems.push(format!("argument {name} {argument_name} {problem}"));
            }
        }
        for output in command["outputs"].as_array().into_iter().flatten() {
            let path = output["contextPath"].as_str().unwrap_or_default();
            if path.trim().is_empty() {
                problems.push(format!("an output of {name} has no contextPath"));
            }
            if !output["type"]
                .as_str()
                .is_some_and(|kind| OUTPUT_TYPES.contains(&kind))
            {
                problems.push(format!(
                    "output {name} {path} has type {}, not one of {OUTPUT_TYPES:?}",
                    output["type"]
                ));
            }
            if let Some(problem) = description_problem(&output["description"]) {
                problems.push(format!("output {name} {path} {problem}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
