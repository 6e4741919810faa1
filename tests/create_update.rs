//! create-user and update-user: the profile sent to Okta, custom mappings, and how Okta's
//! refusals and failures come back.

mod common;

use common::*;
use serde_json::{Value, json};

const CREATE_QUERY: &str = r#"{"activate": "true", "provider": "true"}"#;

fn create_query() -> Value {
    serde_json::from_str(CREATE_QUERY).unwrap()
}

#[test]
fn create_without_username_uses_the_email_as_login() {
    let scim = json!({"name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "other@example.com"}, {"value": "ann@example.com", "primary": true}]});
    let profile = json!({"profile": {"firstName": "Ann", "lastName": "Lee",
        "email": "ann@example.com", "login": "ann@example.com"}});
    let document = run(
        envelope("create-user", json!({ "scim": scim })),
        vec![exchange(
            "POST",
            "/api/v1/users",
            create_query(),
            Some(profile),
            200,
            okta_user("00u9", "ann@example.com", "PROVISIONED"),
        )],
    );
    assert_eq!(user_context(&document, "CreateUser")["success"], true);
}

#[test]
fn create_without_username_or_email_is_refused_before_any_request() {
    let document = run(
        envelope("create-user", json!({"scim": {"name": {"givenName": "A"}}})),
        vec![],
    );
    assert_eq!(
        document["error"],
        "Failed to execute create-user command. Error: the argument 'scim' has neither \
         'userName' nor an email; Okta needs a login for a new user"
    );
}

#[test]
fn a_duplicate_login_is_a_result_listing_every_cause() {
    let body = okta_error(
        "E0000001",
        "Api validation failed: login",
        &["login: An object with this field already exists in the current organization"],
    );
    let profile = json!({"profile": {"login": "dup@example.com", "email": "dup@example.com"}});
    let document = run(
        envelope(
            "create-user",
            json!({"scim": {"userName": "dup@example.com",
            "emails": [{"value": "dup@example.com"}]}}),
        ),
        vec![exchange(
            "POST",
            "/api/v1/users",
            create_query(),
            Some(profile),
            400,
            body.clone(),
        )],
    );
    let context = user_context(&document, "CreateUser");
    assert_eq!(context["success"], false);
    assert_eq!(context["errorCode"], "E0000001");
    assert_eq!(
        context["errorMessage"],
        "Api validation failed: login. Causes: login: An object with this field already exists \
         in the current organization"
    );
    assert_eq!(context["details"], body);
    assert_eq!(document["error"], Value::Null);
    let entry_context = &document["results"][0]["EntryContext"];
    assert_eq!(
        entry_context.get("Account(val.ID && val.ID == obj.ID)"),
        None
    );
}

#[test]
fn a_failed_create_is_not_sent_twice_and_says_so() {
    let body = okta_error("E0000009", "Internal Server Error", &[]);
    let profile = json!({"profile": {"login": "x@example.com"}});
    let document = run(
        envelope(
            "create-user",
            json!({"scim": {"userName": "x@example.com"}}),
        ),
        vec![exchange(
            "POST",
            "/api/v1/users",
            create_query(),
            Some(profile),
            500,
            body,
        )],
    );
    let error = document["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "Failed to execute create-user command. Error: Okta answered HTTP \
        500 E0000009 to POST /api/v1/users: Internal Server Error"
        ),
        "{error}"
    );
    assert!(
        error.ends_with(
            "It was not retried, because the request may have reached Okta and sending it \
             again could apply it twice. Check whether the user exists (get-user with its \
             userName) before running create-user again"
        ),
        "{error}"
    );
}

#[test]
fn the_custom_mapping_argument_wins_over_the_instance_parameter() {
    let scim = json!({"userName": "c@example.com", "urn:scim:schemas:extension:custom:1.0:user":
        {"department": "IT", "badge": "7", "floor": 3}});
    let mut envelope = envelope(
        "create-user",
        json!({"scim": scim,
        "customMapping": "{\"badge\": \"badgeNumber\"}"}),
    );
    envelope["params"]["customMappingCreateUser"] = json!("{\"floor\": \"floorNumber\"}");
    let profile = json!({"profile": {"login": "c@example.com", "department": "IT",
        "badgeNumber": "7"}});
    let document = run(
        envelope,
        vec![exchange(
            "POST",
            "/api/v1/users",
            create_query(),
            Some(profile),
            200,
            okta_user("00u10", "c@example.com", "PROVISIONED"),
        )],
    );
    assert_eq!(user_context(&document, "CreateUser")["success"], true);
}

#[test]
fn the_instance_mapping_applies_when_no_argument_is_given() {
    let scim = json!({"userName": "c@example.com",
        "urn:scim:schemas:extension:custom:1.0:user": {"floor": 3}});
    let mut envelope = envelope("create-user", json!({ "scim": scim }));
    envelope["params"]["customMappingCreateUser"] = json!({"floor": "floorNumber"});
    let profile = json!({"profile": {"login": "c@example.com", "floorNumber": 3}});
    let document = run(
        envelope,
        vec![exchange(
            "POST",
            "/api/v1/users",
            create_query(),
            Some(profile),
            200,
            okta_user("00u11", "c@example.com", "PROVISIONED"),
        )],
    );
    assert_eq!(user_context(&document, "CreateUser")["success"], true);
}

#[test]
fn an_invalid_custom_mapping_names_where_it_came_from() {
    let args = json!({"scim": {"userName": "c@example.com"}, "customMapping": "{oops"});
    let document = run(envelope("create-user", args), vec![]);
    let error = document["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "Failed to execute create-user command. Error: the argument \
        'customMapping' is not valid JSON"
        ),
        "{error}"
    );

    let mut with_parameter = envelope(
        "update-user",
        json!({"oldScim": {"id": "00u1"},
        "newScim": {"title": "x"}}),
    );
    with_parameter["params"]["customMappingUpdateUser"] = json!({"a": 5});
    let document = run(with_parameter, vec![]);
    let error = document["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "Failed to execute update-user command. Error: the parameter \
        'customMappingUpdateUser' is not a usable custom mapping"
        ),
        "{error}"
    );
}

#[test]
fn update_sends_every_attribute_new_scim_carries_and_nothing_else() {
    let new_scim = json!({"name": {"givenName": "Dem", "familyName": ""}, "title": "Eng",
        "active": true, "phoneNumbers": [{"type": "mobile", "value": "555"}],
        "urn:scim:schemas:extension:custom:1.0:user": {"costcenter": "42"}});
    let profile = json!({"profile": {"firstName": "Dem", "lastName": "", "title": "Eng",
        "mobilePhone": "555", "costCenter": "42"}});
    let document = run(
        envelope(
            "update-user",
            json!({"oldScim": {"id": "00u1"}, "newScim": new_scim}),
        ),
        vec![exchange(
            "POST",
            "/api/v1/users/00u1",
            json!({}),
            Some(profile),
            200,
            okta_user("00u1", "u@example.com", "ACTIVE"),
        )],
    );
    assert_eq!(user_context(&document, "UpdateUser")["success"], true);
}

#[test]
fn update_by_login_finds_the_user_then_updates_by_id() {
    let profile = json!({"profile": {"login": "new@example.com"}});
    let document = run(
        envelope(
            "update-user",
            json!({"oldScim": {"userName": "old@example.com"},
            "newScim": {"userName": "new@example.com"}}),
        ),
        vec![
            get(
                "/api/v1/users/old%40example.com",
                200,
                okta_user("00u12", "old@example.com", "ACTIVE"),
            ),
            exchange(
                "POST",
                "/api/v1/users/00u12",
                json!({}),
                Some(profile),
                200,
                okta_user("00u12", "new@example.com", "ACTIVE"),
            ),
        ],
    );
    assert_eq!(
        user_context(&document, "UpdateUser")["username"],
        "new@example.com"
    );
}

#[test]
fn updating_a_deactivated_user_says_it_is_deactivated_not_missing() {
    let not_found = okta_error(
        "E0000007",
        "Not found: Resource not found: 00u13 (User)",
        &[],
    );
    let profile = json!({"profile": {"title": "x"}});
    let document = run(
        envelope(
            "update-user",
            json!({"oldScim": {"id": "00u13"}, "newScim": {"title": "x"}}),
        ),
        vec![
            exchange(
                "POST",
                "/api/v1/users/00u13",
                json!({}),
                Some(profile),
                404,
                not_found,
            ),
            get(
                "/api/v1/users/00u13",
                200,
                okta_user("00u13", "gone@example.com", "DEPROVISIONED"),
            ),
        ],
    );
    let context = user_context(&document, "UpdateUser");
    assert_eq!(context["success"], false);
    assert_eq!(context["active"], false);
    assert_eq!(context["username"], "gone@example.com");
    assert_eq!(context["errorCode"], "E0000007");
    let message = context["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("The user is deactivated (status DEPROVISIONED)"),
        "{message}"
    );
}

#[test]
fn updating_a_missing_user_is_not_found() {
    let not_found = okta_error(
        "E0000007",
        "Not found: Resource not found: 00u14 (User)",
        &[],
    );
    let profile = json!({"profile": {"title": "x"}});
    let document = run(
        envelope(
            "update-user",
            json!({"oldScim": {"id": "00u14"}, "newScim": {"title": "x"}}),
        ),
        vec![
            exchange(
                "POST",
                "/api/v1/users/00u14",
                json!({}),
                Some(profile),
                404,
                not_found.clone(),
            ),
            get("/api/v1/users/00u14", 404, not_found),
        ],
    );
    let context = user_context(&document, "UpdateUser");
    assert_eq!(context["success"], false);
    assert_eq!(context["errorCode"], 404);
}

#[test]
fn an_update_that_maps_to_nothing_is_an_error() {
    let document = run(
        envelope(
            "update-user",
            json!({"oldScim": {"id": "00u1"}, "newScim": {"id": "00u1"}}),
        ),
        vec![],
    );
    let error = document["error"].as_str().unwrap();
    assert!(
        error.contains("the argument 'newScim' maps to no Okta profile attribute"),
        "{error}"
    );
}

#[test]
fn a_create_that_never_reached_okta_gives_no_duplicate_warning() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let mut envelope = envelope(
        "create-user",
        json!({"scim": {"userName": "x@example.com"}}),
    );
    envelope["params"]["url"] = json!(format!("http://127.0.0.1:{port}"));
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    let error = output.document["error"].as_str().expect("error");
    assert!(error.contains("POST /api/v1/users failed"), "{error}");
    assert!(!error.contains("Check whether the user exists"), "{error}");
}
