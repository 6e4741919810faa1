//! The Python bridge in `integration.yml` drives the real binary as XSOAR would: run with
//! stand-ins for XSOAR's `demistomock` and `CommonServerPython` (`tests/bridge/`), against
//! okta-sim, it hands back `ok` for the test button, each entry for a command, and incidents and
//! the last run for a fetch, and raises when a fetch fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use okta_it_admin::sim::{DEFAULT_TOKEN, Fault, FaultKind, OktaSim, Seed};

/// Where the bridge expects the binary inside XSOAR's docker image.
const IMAGE_BINARY: &str = "/usr/local/bin/okta-it-admin";

/// The bridge script of integration.yml, pointed at the binary under test.
fn bridge_script(folder: &Path) -> PathBuf {
    let yml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/integration.yml"))
        .expect("integration.yml readable");
    let definition: Value = serde_yaml_ng::from_str(&yml).expect("integration.yml is YAML");
    let script = definition["script"]["script"]
        .as_str()
        .expect("a Python script");
    assert!(
        script.contains(IMAGE_BINARY),
        "the bridge runs {IMAGE_BINARY}"
    );
    let script = script.replace(IMAGE_BINARY, env!("CARGO_BIN_EXE_okta-it-admin"));
    let path = folder.join("bridge.py");
    std::fs::write(&path, script).expect("script written");
    path
}

/// What the bridge handed back to (stand-in) XSOAR, and whether it raised.
struct Handed {
    record: Value,
    raised: Option<String>,
}

fn run_bridge(name: &str, call: Value) -> Handed {
    let folder = std::env::temp_dir().join(format!("bridge-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("temp folder");
    let script = bridge_script(&folder);
    let call_path = folder.join("call.json");
    let record_path = folder.join("record.json");
    std::fs::write(&call_path, call.to_string()).expect("call written");
    std::fs::write(&record_path, json!({"results": []}).to_string()).expect("record written");

    let stand_ins = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bridge");
    let output = Command::new("python3")
        .arg(&script)
        .env("PYTHONPATH", stand_ins)
        .env("BRIDGE_CALL", &call_path)
        .env("BRIDGE_RECORD", &record_path)
        .output()
        .expect("python3 runs");
    let record = std::fs::read_to_string(&record_path).expect("record readable");
    let _ = std::fs::remove_dir_all(&folder);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    Handed {
        record: serde_json::from_str(&record).expect("record is JSON"),
        raised: (!output.status.success()).then_some(stderr),
    }
}

fn sim() -> OktaSim {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/sim/seed.json");
    OktaSim::start(Seed::from_file(path).expect("seed loads"), 0).expect("okta-sim starts")
}

fn params(sim: &OktaSim) -> Value {
    json!({"url": sim.base_url(), "apitoken": {"identifier": "", "password": DEFAULT_TOKEN},
           "insecure": false, "proxy": false, "first_fetch": "1 day"})
}

#[test]
fn the_test_button_gets_ok() {
    let sim = sim();
    let handed = run_bridge(
        "test",
        json!({"command": "test-module", "params": params(&sim)}),
    );
    assert_eq!(handed.raised, None);
    assert_eq!(handed.record["results"], json!(["ok"]));
}

#[test]
fn a_command_hands_back_its_entry_with_context() {
    let sim = sim();
    let call = json!({"command": "get-user", "params": params(&sim),
        "args": {"scim": "{\"id\":\"00utiigb9kCWr4rzE0h7\"}"}});
    let handed = run_bridge("get-user", call);
    assert_eq!(handed.raised, None);
    let entry = &handed.record["results"][0];
    assert_eq!(entry["Type"], 1);
    let key = "GetUser(val.id == obj.id && val.instanceName == obj.instanceName)";
    assert_eq!(
        entry["EntryContext"][key]["username"],
        "testdemisto@paloaltonetworks.com"
    );
    assert_eq!(entry["EntryContext"][key]["instanceName"], "OktaITAdmin");
    let logs = handed.record["logs"].to_string();
    assert!(
        logs.contains("GET /api/v1/users/00utiigb9kCWr4rzE0h7 answered HTTP 200"),
        "{logs}"
    );
}

#[test]
fn a_failed_command_hands_back_its_error_entry() {
    let sim = sim();
    let call = json!({"command": "get-user", "params": params(&sim), "args": {}});
    let handed = run_bridge("get-user-error", call);
    let entry = &handed.record["results"][0];
    assert_eq!(entry["Type"], 4);
    let text = entry["Contents"].as_str().expect("error text");
    assert!(text.starts_with("Failed to execute get-user command. Error: the argument 'scim'"));
}

#[test]
fn a_fetch_hands_back_incidents_and_the_last_run() {
    let sim = sim();
    let handed = run_bridge(
        "fetch",
        json!({"command": "fetch-incidents", "params": params(&sim)}),
    );
    assert_eq!(handed.raised, None);
    let incidents = handed.record["incidents"]
        .as_array()
        .expect("incidents handed back");
    assert_eq!(incidents.len(), sim.log_events().len());
    assert!(handed.record["lastRun"]["nextLink"].is_string());
}

#[test]
fn a_failed_fetch_raises_and_keeps_the_last_run() {
    let sim = sim();
    sim.add_fault(
        Fault::new(FaultKind::Status)
            .on_path("/api/v1/logs")
            .with_status(403),
    );
    let handed = run_bridge(
        "fetch-error",
        json!({"command": "fetch-incidents", "params": params(&sim)}),
    );
    let raised = handed.raised.expect("the bridge raises");
    assert!(raised.contains("DemistoException"), "{raised}");
    assert!(
        raised.contains("Failed to execute fetch-incidents command"),
        "{raised}"
    );
    assert_eq!(handed.record["lastRun"], Value::Null);
    assert_eq!(handed.record["incidents"], Value::Null);
}
