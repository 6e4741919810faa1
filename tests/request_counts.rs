//! Each command sends the fewest requests Okta allows, on one reused connection, as okta-sim's
//! request journal shows. Also runs every command end to end against the stateful stand-in.

mod common;

use std::collections::HashSet;

use serde_json::{Value, json};

use common::TOKEN;
use okta_it_admin::sim::{OktaSim, Seed};

fn sim() -> OktaSim {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/sim/seed.json");
    OktaSim::start(Seed::from_file(path).expect("seed loads"), 0).expect("okta-sim starts")
}

/// Runs a command against the stand-in and returns its document and the requests it sent, as
/// "METHOD path" lines.
fn run(sim: &OktaSim, command: &str, args: Value, params: Value) -> (Value, Vec<String>) {
    sim.clear_journal();
    let mut all = json!({"url": sim.base_url(), "apitoken": TOKEN});
    for (key, value) in params.as_object().expect("params") {
        all[key] = value.clone();
    }
    let envelope = json!({"command": command, "params": all, "args": args});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    let journal = sim.journal();
    let connections: HashSet<&String> = journal.iter().map(|entry| &entry.connection).collect();
    assert!(
        connections.len() <= 1,
        "{command} used {} connections",
        connections.len()
    );
    let requests = journal
        .iter()
        .map(|entry| format!("{} {}", entry.method, entry.path))
        .collect();
    (output.document, requests)
}

fn context<'a>(document: &'a Value, prefix: &str) -> &'a Value {
    let key = format!("{prefix}(val.id == obj.id && val.instanceName == obj.instanceName)");
    &document["results"][0]["EntryContext"][key]
}

const ID: &str = "00utiigb9kCWr4rzE0h7";

#[test]
fn get_user_by_id_or_login_is_one_request() {
    let sim = sim();
    let (document, requests) = run(&sim, "get-user", json!({"scim": {"id": ID}}), json!({}));
    assert_eq!(requests, [format!("GET /api/v1/users/{ID}")]);
    assert_eq!(
        context(&document, "GetUser")["username"],
        "testdemisto@paloaltonetworks.com"
    );

    let scim = json!({"scim": {"userName": "alice.active@example.com"}});
    let (document, requests) = run(&sim, "get-user", scim, json!({}));
    assert_eq!(requests, ["GET /api/v1/users/alice.active%40example.com"]);
    assert_eq!(context(&document, "GetUser")["id"], "00uact1veAl1ceUsr0h7");
}

#[test]
fn a_short_name_never_stands_for_a_login() {
    let sim = sim();
    // Two users share the short name jdoe, so Okta finds neither by it: not found at once.
    let (document, requests) = run(
        &sim,
        "get-user",
        json!({"scim": {"userName": "jdoe"}}),
        json!({}),
    );
    assert_eq!(requests, ["GET /api/v1/users/jdoe"]);
    assert_eq!(context(&document, "GetUser")["errorCode"], 404);

    // sean.obrien is the only "sean.obrien…" user: Okta answers the short name with that user,
    // whose login is not "sean.obrien", so the exact login is searched for, and not found.
    let (document, requests) = run(
        &sim,
        "get-user",
        json!({"scim": {"userName": "sean.obrien"}}),
        json!({}),
    );
    assert_eq!(
        requests,
        ["GET /api/v1/users/sean.obrien", "GET /api/v1/users"]
    );
    assert_eq!(context(&document, "GetUser")["success"], false);
}

#[test]
fn create_user_is_one_request() {
    let sim = sim();
    let scim = json!({"userName": "new.user@example.com", "name": {"givenName": "New",
        "familyName": "User"}, "emails": [{"value": "new.user@example.com", "primary": true}]});
    let (document, requests) = run(&sim, "create-user", json!({ "scim": scim }), json!({}));
    assert_eq!(requests, ["POST /api/v1/users"]);
    let result = context(&document, "CreateUser");
    assert_eq!(result["success"], true);
    // Created with `provider=true`, so Okta activates the user at once.
    assert_eq!(result["details"]["status"], "ACTIVE");

    let (document, _) = run(&sim, "create-user", json!({ "scim": scim }), json!({}));
    let result = context(&document, "CreateUser");
    assert_eq!(result["success"], false);
    assert_eq!(result["errorCode"], "E0000001");
}

#[test]
fn update_user_by_id_is_one_request() {
    let sim = sim();
    let args = json!({"oldScim": {"id": ID}, "newScim": {"title": "Analyst"}});
    let (document, requests) = run(&sim, "update-user", args, json!({}));
    assert_eq!(requests, [format!("POST /api/v1/users/{ID}")]);
    assert_eq!(
        context(&document, "UpdateUser")["details"]["profile"]["title"],
        "Analyst"
    );
}

#[test]
fn updating_a_deactivated_user_reports_it_against_the_stand_in() {
    let sim = sim();
    let args = json!({"oldScim": {"id": "00udeprovDaveGone0h7"}, "newScim": {"title": "x"}});
    let (document, requests) = run(&sim, "update-user", args, json!({}));
    assert_eq!(requests.len(), 2);
    let message = context(&document, "UpdateUser")["errorMessage"]
        .as_str()
        .unwrap_or_default();
    assert!(message.starts_with("The user is deactivated"), "{message}");
}

#[test]
fn enable_and_disable_send_at_most_two_requests_and_one_without_change() {
    let sim = sim();
    let cases = [
        ("enable-user", "00ususpBobSusp3nd0h7", 2, true),
        ("enable-user", "00ustagedCarolStg0h7", 2, true),
        ("enable-user", "00udeprovDaveGone0h7", 2, true),
        ("enable-user", "00uact1veAl1ceUsr0h7", 1, true),
        ("disable-user", "00uact1veAl1ceUsr0h7", 2, false),
        ("disable-user", "00uact1veAl1ceUsr0h7", 1, false),
    ];
    for (command, id, count, active) in cases {
        let (document, requests) = run(&sim, command, json!({"scim": {"id": id}}), json!({}));
        assert_eq!(requests.len(), count, "{command} {id}: {requests:?}");
        let prefix = if command == "enable-user" {
            "EnableUser"
        } else {
            "DisableUser"
        };
        assert_eq!(
            context(&document, prefix)["success"],
            true,
            "{command} {id}"
        );
        assert_eq!(
            context(&document, prefix)["active"],
            active,
            "{command} {id}"
        );
    }
    let statuses: Vec<(String, String)> = sim
        .users()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap_or("").into(),
                u["status"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let status = |id: &str| {
        statuses
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, s)| s.clone())
    };
    assert_eq!(status("00ususpBobSusp3nd0h7").as_deref(), Some("ACTIVE"));
    assert_eq!(
        status("00uact1veAl1ceUsr0h7").as_deref(),
        Some("DEPROVISIONED")
    );
}

#[test]
fn app_assignment_and_test_module_are_one_request_each() {
    let sim = sim();
    let args = json!({"applicationId": "0oae6ioe81sQ64Aui0h7", "userId": ID});
    let (document, requests) = run(&sim, "okta-get-assigned-user-for-app", args, json!({}));
    assert_eq!(
        requests,
        [format!("GET /api/v1/apps/0oae6ioe81sQ64Aui0h7/users/{ID}")]
    );
    assert_eq!(document["results"][0]["Contents"]["success"], true);

    let (document, requests) = run(&sim, "test-module", json!({}), json!({}));
    assert_eq!(requests, ["GET /api/v1/users/me"]);
    assert_eq!(document["results"][0]["Contents"], "ok");

    let fetching = json!({"isFetch": true, "fetchLogsQuery": "eventType sw \"user\""});
    let (document, requests) = run(&sim, "test-module", json!({}), fetching);
    assert_eq!(requests, ["GET /api/v1/users/me", "GET /api/v1/logs"]);
    assert_eq!(document["results"][0]["Contents"], "ok");
}

#[test]
fn every_request_names_the_integration_and_asks_for_json() {
    let sim = sim();
    run(&sim, "get-user", json!({"scim": {"id": ID}}), json!({}));
    let entry = &sim.journal()[0];
    assert_eq!(
        entry.header("authorization"),
        Some(format!("SSWS {TOKEN}").as_str())
    );
    assert_eq!(entry.header("accept"), Some("application/json"));
    let agent = entry.header("user-agent").unwrap_or_default();
    assert!(agent.starts_with("okta-it-admin/"), "{agent}");
}
