//! okta-sim's answers validated against the response schemas of Okta's own OpenAPI description
//! (`../shared/okta-openapi/okta-subset.yaml`) for every operation the integration uses, so the
//! stand-in cannot drift from Okta's published shapes.
//!
//! `nullable: true` is OpenAPI 3.0's way of allowing `null`; it is translated into JSON Schema
//! (see `tests/openapi/mod.rs`), which is no exception. The exceptions, each a place where the
//! published schema rejects data real Okta sends, are listed in [`OKTA_QUIRKS`] with the
//! evidence for each; `published_examples_validate_with_the_documented_exceptions` checks that
//! with them, the description's own examples for these operations validate against its own
//! schemas.

mod openapi;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use okta_it_admin::sim::{OktaSim, Seed};
use openapi::{Spec, schema_errors};

const TOKEN: &str = "test-token-0123456789";
const APP_ID: &str = "0oae6ioe81sQ64Aui0h7";
const PROVISIONED_ID: &str = "00utiigb9kCWr4rzE0h7";
const ACTIVE_ID: &str = "00uact1veAl1ceUsr0h7";
const SUSPENDED_ID: &str = "00ususpBobSusp3nd0h7";
const STAGED_ID: &str = "00ustagedCarolStg0h7";
const DEPROVISIONED_ID: &str = "00udeprovDaveGone0h7";
const LOCKED_ID: &str = "00ulockedEveL0ck00h7";

/// Where the published schemas reject what Okta sends: (schema, property, the JSON type it may
/// also have, the evidence).
const OKTA_QUIRKS: &[(&str, &str, &str, &str)] = &[
    (
        "LogActor",
        "detailEntry",
        "null",
        "null in the description's own ListLogs example",
    ),
    (
        "LogTarget",
        "detailEntry",
        "null",
        "null in the ListLogs example",
    ),
    ("LogClient", "id", "null", "null in the ListLogs example"),
    ("LogClient", "zone", "null", "null in the ListLogs example"),
    (
        "LogClient",
        "geographicalContext",
        "null",
        "not in the description's examples: okta-sim sends null for its loopback clients, \
         as Okta does for addresses it cannot place",
    ),
    (
        "LogAuthenticationContext",
        "authenticationProvider",
        "null",
        "ListLogs example",
    ),
    (
        "LogAuthenticationContext",
        "credentialProvider",
        "null",
        "ListLogs example",
    ),
    (
        "LogAuthenticationContext",
        "credentialType",
        "null",
        "ListLogs example",
    ),
    (
        "LogAuthenticationContext",
        "issuer",
        "null",
        "ListLogs example",
    ),
    (
        "LogAuthenticationContext",
        "interface",
        "null",
        "ListLogs example",
    ),
    (
        "LogOutcome",
        "reason",
        "null",
        "null in the ListLogs example",
    ),
    (
        "LogTransaction",
        "detail",
        "null",
        "null in the ListLogs example",
    ),
    (
        "LogIpAddress",
        "source",
        "null",
        "null in the ListLogs example",
    ),
    (
        "LogEvent",
        "legacyEventType",
        "null",
        "not in the description's examples: okta-sim sends null for event types without a \
         legacy (v1) name, as Okta does",
    ),
    (
        "LogGeographicalContext",
        "postalCode",
        "number",
        "a number (10013) in the ListLogs example; the Okta reference notes the same",
    ),
    (
        "LogEvent",
        "version",
        "integer",
        "the number 0 in the ListLogs example",
    ),
    (
        "AppUser",
        "externalId",
        "null",
        "null for SSO-only assignments: the XSOAR reference's assignment example \
         (../shared/spec/okta-it-admin-reference.md)",
    ),
];

/// Values a string property may take although its `format` rejects them: (schema, property,
/// value, the evidence).
const OKTA_FORMAT_QUIRKS: &[(&str, &str, &str, &str)] = &[(
    "UserProfile",
    "secondEmail",
    "",
    "an empty string, no email, in the description's own UsersSearch example",
)];

/// Examples of the description that are not answers of their operation.
const NOT_ANSWERS: &[(&str, &str)] = &[(
    "LogTargetChangeDetails",
    "a fragment (one target's changeDetails) filed among listLogEvents' answer examples",
)];

/// The description with the documented exceptions applied.
fn spec_with_okta_quirks() -> Spec {
    let mut spec = Spec::load();
    for (schema, property, also, _evidence) in OKTA_QUIRKS {
        spec.widen(schema, property, json!({ "type": also }));
    }
    for (schema, property, value, _evidence) in OKTA_FORMAT_QUIRKS {
        spec.widen(schema, property, json!({ "const": value }));
    }
    spec
}

/// A started simulator and an HTTP agent that keeps every status.
struct Sim {
    sim: OktaSim,
    agent: ureq::Agent,
}

impl Sim {
    fn start() -> Sim {
        let seed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/sim/seed.json");
        let seed = Seed::from_file(seed_path).expect("the okta-sim seed loads");
        let sim = OktaSim::start(seed, 0).expect("okta-sim starts");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Sim { sim, agent }
    }

    /// Sends one request and returns the status and the JSON body (`Null` when empty).
    fn send(&self, method: &str, path_and_query: &str, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}{path_and_query}", self.sim.base_url());
        let auth = format!("SSWS {TOKEN}");
        let response = match (method, body) {
            ("GET", _) => self
                .agent
                .get(&url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .call(),
            (_, Some(body)) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .send_json(body),
            (_, None) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .send_empty(),
        };
        let mut response = response.unwrap_or_else(|err| panic!("{method} {url}: {err}"));
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|err| panic!("{method} {url}: body unreadable: {err}"));
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|err| panic!("{method} {url}: body is not JSON ({err}): {text}"))
        };
        (status, body)
    }
}

/// Validates answers against the description and remembers what was checked.
struct Checker {
    spec: Spec,
    validators: BTreeMap<(String, u16), Option<jsonschema::Validator>>,
    checked: BTreeMap<String, usize>,
    problems: Vec<String>,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            spec: spec_with_okta_quirks(),
            validators: BTreeMap::new(),
            checked: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    /// Checks one answer of `operation_id`, sent as `request`, against its response schema.
    fn check(&mut self, operation_id: &str, request: &str, status: u16, body: &Value) {
        let key = (operation_id.to_string(), status);
        if !self.validators.contains_key(&key) {
            let validator = self
                .spec
                .response_schema(operation_id, status)
                .map(|schema| self.spec.validator(&schema));
            self.validators.insert(key.clone(), validator);
        }
        match &self.validators[&key] {
            Some(validator) => {
                let errors = schema_errors(validator, body);
                if !errors.is_empty() {
                    let mut text = body.to_string();
                    if text.len() > 400 {
                        text = format!("{}…", text.chars().take(400).collect::<String>());
                    }
                    self.problems.push(format!(
                        "{operation_id} {status} ({request}):\n  {}\n  body: {text}",
                        errors.join("\n  ")
                    ));
                }
            }
            None if body.is_null() || body == &json!({}) => {}
            None => self.problems.push(format!(
                "{operation_id} {status} ({request}): the description gives this answer no \
                 JSON body, okta-sim sent {body}"
            )),
        }
        *self
            .checked
            .entry(format!("{operation_id} {status}"))
            .or_default() += 1;
    }
}

/// Sends a request, expects `status`, and validates the answer as `operation_id`'s.
fn exchange(
    sim: &Sim,
    checker: &mut Checker,
    operation_id: &str,
    (method, path): (&str, &str),
    body: Option<&Value>,
    status: u16,
) -> Value {
    let (got, answer) = sim.send(method, path, body);
    assert_eq!(got, status, "{method} {path} answered {got}: {answer}");
    checker.check(operation_id, &format!("{method} {path}"), got, &answer);
    answer
}

fn full_profile(login: &str) -> Value {
    json!({
        "login": login,
        "email": login,
        "firstName": "Contract",
        "lastName": "Check",
        "middleName": "M",
        "honorificPrefix": "Dr.",
        "honorificSuffix": "PhD",
        "displayName": "Contract Check",
        "nickName": "cc",
        "profileUrl": "https://example.com/cc",
        "title": "Tester",
        "userType": "Employee",
        "preferredLanguage": "en",
        "locale": "en_US",
        "timezone": "America/Los_Angeles",
        "mobilePhone": "+1-555-0100",
        "primaryPhone": "+1-555-0101",
        "streetAddress": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "zipCode": "62701",
        "countryCode": "US",
        "employeeNumber": "42",
        "department": "QA",
        "division": "R&D",
        "organization": "Example",
        "costCenter": "10",
        "manager": "Boss",
        "managerId": "00uboss"
    })
}

#[test]
fn okta_sim_answers_match_the_published_response_schemas() {
    let sim = Sim::start();
    let mut checker = Checker::new();
    let c = &mut checker;

    // getUser: every seeded status, the token's own user, a login, and a missing user.
    for id in [
        PROVISIONED_ID,
        ACTIVE_ID,
        SUSPENDED_ID,
        STAGED_ID,
        DEPROVISIONED_ID,
        LOCKED_ID,
    ] {
        let path = format!("/api/v1/users/{id}");
        exchange(&sim, c, "getUser", ("GET", &path), None, 200);
    }
    exchange(&sim, c, "getUser", ("GET", "/api/v1/users/me"), None, 200);
    let by_login = "/api/v1/users/alice.active%40example.com";
    exchange(&sim, c, "getUser", ("GET", by_login), None, 200);
    let missing = "/api/v1/users/00unobodyHere000000h7";
    exchange(&sim, c, "getUser", ("GET", missing), None, 404);

    // listUsers: plain, paged, search, filter and q.
    for path in [
        "/api/v1/users",
        "/api/v1/users?limit=2",
        "/api/v1/users?search=profile.login%20eq%20%22jdoe%40example.com%22&limit=2",
        "/api/v1/users?search=status%20eq%20%22ACTIVE%22",
        "/api/v1/users?filter=status%20eq%20%22SUSPENDED%22",
        "/api/v1/users?q=jdoe",
    ] {
        exchange(&sim, c, "listUsers", ("GET", path), None, 200);
    }

    // createUser: a full profile, a staged user, and a refused duplicate.
    let created = exchange(
        &sim,
        c,
        "createUser",
        ("POST", "/api/v1/users?activate=true&provider=true"),
        Some(&json!({ "profile": full_profile("contract.full@example.com") })),
        200,
    );
    let staged_new = exchange(
        &sim,
        c,
        "createUser",
        ("POST", "/api/v1/users?activate=false"),
        Some(&json!({ "profile": full_profile("contract.staged@example.com") })),
        200,
    );
    exchange(
        &sim,
        c,
        "createUser",
        ("POST", "/api/v1/users?activate=true&provider=true"),
        Some(&json!({ "profile": full_profile("contract.full@example.com") })),
        400,
    );
    let created_id = created["id"].as_str().expect("created user id").to_string();
    let staged_new_id = staged_new["id"]
        .as_str()
        .expect("staged user id")
        .to_string();

    // updateUser: a partial profile update, and a missing user.
    let update = json!({ "profile": { "title": "Lead", "costCenter": "11" } });
    let path = format!("/api/v1/users/{created_id}");
    exchange(&sim, c, "updateUser", ("POST", &path), Some(&update), 200);
    exchange(&sim, c, "updateUser", ("POST", missing), Some(&update), 404);

    // Lifecycle: activate (with and without the email), reactivate, then the body-less ones.
    let path = format!("/api/v1/users/{staged_new_id}/lifecycle/activate?sendEmail=false");
    exchange(&sim, c, "activateUser", ("POST", &path), None, 200);
    let path = format!("/api/v1/users/{STAGED_ID}/lifecycle/activate");
    exchange(&sim, c, "activateUser", ("POST", &path), None, 200);
    let path = format!("/api/v1/users/{PROVISIONED_ID}/lifecycle/reactivate?sendEmail=false");
    exchange(&sim, c, "reactivateUser", ("POST", &path), None, 200);
    let path = format!("/api/v1/users/{SUSPENDED_ID}/lifecycle/unsuspend");
    exchange(&sim, c, "unsuspendUser", ("POST", &path), None, 200);
    let path = format!("/api/v1/users/{ACTIVE_ID}/lifecycle/suspend");
    exchange(&sim, c, "suspendUser", ("POST", &path), None, 200);
    let path = format!("/api/v1/users/{created_id}/lifecycle/deactivate");
    exchange(&sim, c, "deactivateUser", ("POST", &path), None, 200);
    let path = format!("/api/v1/users/{DEPROVISIONED_ID}/lifecycle/activate");
    exchange(&sim, c, "activateUser", ("POST", &path), None, 200);
    let path = "/api/v1/users/00unobodyHere000000h7/lifecycle/activate";
    exchange(&sim, c, "activateUser", ("POST", path), None, 404);

    // getApplicationUser: an assignment and a missing one.
    let path = format!("/api/v1/apps/{APP_ID}/users/{PROVISIONED_ID}");
    exchange(&sim, c, "getApplicationUser", ("GET", &path), None, 200);
    let path = format!("/api/v1/apps/{APP_ID}/users/{ACTIVE_ID}");
    exchange(&sim, c, "getApplicationUser", ("GET", &path), None, 404);

    // listLogEvents: the seeded events plus the lifecycle events the calls above logged, the
    // integration's polling query, a filter, and a refused parameter.
    let since = (chrono::Utc::now() - chrono::Duration::days(7))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        .replace(':', "%3A");
    let polls = [
        format!("/api/v1/logs?since={since}&sortOrder=ASCENDING&limit=1000"),
        format!("/api/v1/logs?since={since}&sortOrder=ASCENDING&limit=2"),
        format!(
            "/api/v1/logs?since={since}&sortOrder=ASCENDING&limit=100\
             &filter=eventType%20eq%20%22user.lifecycle.activate%22"
        ),
    ];
    for path in &polls {
        let events = exchange(&sim, c, "listLogEvents", ("GET", path), None, 200);
        assert!(
            events.as_array().is_some_and(|events| !events.is_empty()),
            "{path} gave no events to validate"
        );
    }
    let path = "/api/v1/logs?since=not-a-time";
    exchange(&sim, c, "listLogEvents", ("GET", path), None, 400);

    eprintln!("validated against {}:", openapi::SPEC_PATH);
    for (what, count) in &checker.checked {
        eprintln!("  {what}: {count} answer(s)");
    }
    assert!(
        checker.problems.is_empty(),
        "okta-sim answers that Okta's published schemas reject ({}):\n{}",
        checker.problems.len(),
        checker.problems.join("\n")
    );
}

#[test]
fn the_validator_rejects_answers_of_the_wrong_shape() {
    // The check is not vacuous: a user whose status is no UserStatus, or whose profile is a
    // string, is refused by the same validator.
    let spec = Spec::load();
    let schema = spec
        .response_schema("getUser", 200)
        .expect("getUser has a JSON answer");
    let validator = spec.validator(&schema);
    let good = json!({ "id": "00u1", "status": "ACTIVE", "profile": { "login": "a@b.c" } });
    assert_eq!(schema_errors(&validator, &good), Vec::<String>::new());
    for bad in [
        json!({ "id": "00u1", "status": "HAPPY", "profile": { "login": "a@b.c" } }),
        json!({ "id": "00u1", "status": "ACTIVE", "profile": "a@b.c" }),
        json!({ "id": 7, "status": "ACTIVE" }),
    ] {
        assert!(
            !schema_errors(&validator, &bad).is_empty(),
            "accepted a malformed user: {bad}"
        );
    }
    // nullable attributes accept null, as OpenAPI 3.0 means.
    let nullable = json!({ "id": "00u1", "status": "ACTIVE", "lastLogin": null });
    assert_eq!(schema_errors(&validator, &nullable), Vec::<String>::new());
}

#[test]
fn published_examples_validate_with_the_documented_exceptions() {
    // The exceptions make Okta's description agree with its own examples for the answers the
    // integration reads; without them the log examples fail.
    let spec = spec_with_okta_quirks();
    let plain = Spec::load();
    let answers = [
        ("getUser", 200),
        ("listUsers", 200),
        ("createUser", 200),
        ("updateUser", 200),
        ("getApplicationUser", 200),
        ("listLogEvents", 200),
    ];
    let mut problems = Vec::new();
    let mut rejected_without_exceptions = Vec::new();
    for (operation_id, status) in answers {
        let schema = spec
            .response_schema(operation_id, status)
            .expect("a JSON answer");
        let validator = spec.validator(&schema);
        let plain_validator = plain.validator(&schema);
        let examples = spec.response_examples(operation_id, status);
        assert!(
            !examples.is_empty(),
            "{operation_id} {status} has no example"
        );
        for (name, mut example) in examples {
            if NOT_ANSWERS.iter().any(|(skipped, _why)| *skipped == name) {
                continue;
            }
            // Quirk: some examples of the list answer show one event, not a list of them.
            if schema["type"] == "array" && example.is_object() {
                example = json!([example]);
            }
            for error in schema_errors(&validator, &example) {
                problems.push(format!("{operation_id} {status} example '{name}': {error}"));
            }
            if !schema_errors(&plain_validator, &example).is_empty() {
                rejected_without_exceptions.push(format!("{operation_id} '{name}'"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        rejected_without_exceptions
            .iter()
            .any(|what| what.starts_with("listLogEvents")),
        "the log examples validate as published: drop the exceptions that are no longer needed"
    );
}
