//! enable-user and disable-user choose Okta's lifecycle call from the user's status, and change
//! nothing when the user is already where the command would put them.

mod common;

use common::*;
use serde_json::{Value, json};

const ID: &str = "00utiigb9kCWr4rzE0h7";
const LOGIN: &str = "testdemisto@paloaltonetworks.com";

fn user_path() -> String {
    format!("/api/v1/users/{ID}")
}

fn lifecycle_path(operation: &str) -> String {
    format!("/api/v1/users/{ID}/lifecycle/{operation}")
}

fn by_id(command: &str) -> Value {
    envelope(command, json!({"scim": format!("{{\"id\":\"{ID}\"}}")}))
}

fn account(document: &Value) -> &Value {
    &document["results"][0]["EntryContext"]["Account(val.ID && val.ID == obj.ID)"]
}

#[test]
fn enable_activates_staged_and_deactivated_users() {
    for status in ["STAGED", "DEPROVISIONED"] {
        let document = run(
            by_id("enable-user"),
            vec![
                get(&user_path(), 200, okta_user(ID, LOGIN, status)),
                exchange(
                    "POST",
                    &lifecycle_path("activate"),
                    json!({}),
                    None,
                    200,
                    json!({}),
                ),
            ],
        );
        let context = user_context(&document, "EnableUser");
        assert_eq!(context["success"], true, "{status}");
        assert_eq!(context["active"], true, "{status}");
        assert_eq!(context["username"], LOGIN);
        assert_eq!(
            context["details"],
            Value::Null,
            "Okta's {{}} is shown as null"
        );
        // Activation may end in PROVISIONED or ACTIVE, so the Account does not guess.
        assert_eq!(account(&document).get("Status"), None, "{status}");
    }
}

#[test]
fn enable_unsuspends_a_suspended_user() {
    let document = run(
        by_id("enable-user"),
        vec![
            get(&user_path(), 200, okta_user(ID, LOGIN, "SUSPENDED")),
            lifecycle(&lifecycle_path("unsuspend"), 200),
        ],
    );
    assert_eq!(user_context(&document, "EnableUser")["active"], true);
    assert_eq!(account(&document)["Status"], "ACTIVE");
}

#[test]
fn enable_changes_nothing_for_users_who_can_already_sign_in() {
    for status in [
        "ACTIVE",
        "PROVISIONED",
        "RECOVERY",
        "PASSWORD_EXPIRED",
        "LOCKED_OUT",
    ] {
        let document = run(
            by_id("enable-user"),
            vec![get(&user_path(), 200, okta_user(ID, LOGIN, status))],
        );
        let context = user_context(&document, "EnableUser");
        assert_eq!(context["success"], true, "{status}");
        assert_eq!(context["active"], true, "{status}");
        assert_eq!(account(&document)["Status"], status);
    }
}

#[test]
fn disable_deactivates_every_user_not_yet_deactivated() {
    for status in [
        "ACTIVE",
        "PROVISIONED",
        "STAGED",
        "SUSPENDED",
        "LOCKED_OUT",
        "RECOVERY",
    ] {
        let document = run(
            by_id("disable-user"),
            vec![
                get(&user_path(), 200, okta_user(ID, LOGIN, status)),
                lifecycle(&lifecycle_path("deactivate"), 200),
            ],
        );
        let context = user_context(&document, "DisableUser");
        assert_eq!(context["success"], true, "{status}");
        assert_eq!(context["active"], false, "{status}");
        assert_eq!(account(&document)["Status"], "DEPROVISIONED");
    }
}

#[test]
fn disable_changes_nothing_for_a_deactivated_user() {
    let document = run(
        by_id("disable-user"),
        vec![get(
            &user_path(),
            200,
            okta_user(ID, LOGIN, "DEPROVISIONED"),
        )],
    );
    let context = user_context(&document, "DisableUser");
    assert_eq!(context["success"], true);
    assert_eq!(context["active"], false);
    assert_eq!(
        document["logs"][1]["message"],
        "the user is already DEPROVISIONED; nothing to change"
    );
}

#[test]
fn a_lifecycle_refusal_is_a_result_with_okta_code_not_a_failure() {
    let body = okta_error(
        "E0000016",
        "Activation failed because the user is already active",
        &[],
    );
    let document = run(
        by_id("enable-user"),
        vec![
            get(&user_path(), 200, okta_user(ID, LOGIN, "STAGED")),
            exchange(
                "POST",
                &lifecycle_path("activate"),
                json!({}),
                None,
                403,
                body.clone(),
            ),
        ],
    );
    let context = user_context(&document, "EnableUser");
    assert_eq!(context["success"], false);
    assert_eq!(context["active"], false, "the user is still STAGED");
    assert_eq!(context["id"], ID);
    assert_eq!(context["errorCode"], "E0000016");
    assert_eq!(
        context["errorMessage"],
        "Activation failed because the user is already active"
    );
    assert_eq!(context["details"], body);
    assert_eq!(document["error"], Value::Null);
}

#[test]
fn a_missing_user_is_not_changed_and_reported_as_not_found() {
    let body = okta_error(
        "E0000007",
        "Not found: Resource not found: 00utiigb9kCWr4rzE0h7 (User)",
        &[],
    );
    let document = run(by_id("disable-user"), vec![get(&user_path(), 404, body)]);
    let context = user_context(&document, "DisableUser");
    assert_eq!(context["success"], false);
    assert_eq!(context["errorCode"], 404);
}

#[test]
fn enable_by_login_finds_then_acts_on_the_found_id() {
    let document = run(
        envelope("enable-user", json!({"scim": {"userName": LOGIN}})),
        vec![
            get(
                "/api/v1/users/testdemisto%40paloaltonetworks.com",
                200,
                okta_user(ID, LOGIN, "DEPROVISIONED"),
            ),
            exchange(
                "POST",
                &lifecycle_path("activate"),
                json!({}),
                None,
                200,
                json!({}),
            ),
        ],
    );
    assert_eq!(user_context(&document, "EnableUser")["id"], ID);
}
