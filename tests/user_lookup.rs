//! How the user commands find the user a SCIM user names: by id, by login in one request where
//! Okta allows it, by an escaped search where it does not, and never by widening the lookup.

mod common;

use common::*;
use serde_json::{Value, json};

fn get_user_by_login(login: &str) -> Value {
    envelope("get-user", json!({ "scim": { "userName": login } }))
}

#[test]
fn a_plain_login_is_fetched_in_one_request() {
    let user = okta_user("00u1", "alice@example.com", "ACTIVE");
    let document = run(
        get_user_by_login("alice@example.com"),
        vec![get("/api/v1/users/alice%40example.com", 200, user)],
    );
    let context = user_context(&document, "GetUser");
    assert_eq!(context["success"], true);
    assert_eq!(context["id"], "00u1");
    assert_eq!(context["username"], "alice@example.com");
}

#[test]
fn logins_with_special_characters_are_one_encoded_path_segment() {
    let cases = [
        ("a+b@example.com", "/api/v1/users/a%2Bb%40example.com"),
        (
            "o'brien@example.com",
            "/api/v1/users/o%27brien%40example.com",
        ),
        ("\"q\"@example.com", "/api/v1/users/%22q%22%40example.com"),
        (
            "jürgen@example.com",
            "/api/v1/users/j%C3%BCrgen%40example.com",
        ),
        (
            "first last@example.com",
            "/api/v1/users/first%20last%40example.com",
        ),
    ];
    for (login, path) in cases {
        let user = okta_user("00u2", login, "ACTIVE");
        let document = run(get_user_by_login(login), vec![get(path, 200, user)]);
        assert_eq!(user_context(&document, "GetUser")["id"], "00u2", "{login}");
    }
}

#[test]
fn login_case_does_not_matter() {
    let user = okta_user("00u3", "alice@example.com", "ACTIVE");
    let document = run(
        get_user_by_login("Alice@Example.COM"),
        vec![get("/api/v1/users/Alice%40Example.COM", 200, user)],
    );
    assert_eq!(user_context(&document, "GetUser")["success"], true);
}

#[test]
fn a_login_okta_cannot_get_by_path_is_searched_with_an_escaped_literal() {
    let login = "a/b@example.com";
    let user = okta_user("00u4", login, "ACTIVE");
    let search = json!({"search": "profile.login eq \"a/b@example.com\"", "limit": "200"});
    let document = run(
        get_user_by_login(login),
        vec![exchange(
            "GET",
            "/api/v1/users",
            search,
            None,
            200,
            json!([user]),
        )],
    );
    assert_eq!(user_context(&document, "GetUser")["id"], "00u4");
}

#[test]
fn quotes_and_backslashes_cannot_change_the_search_expression() {
    let cases = [
        (
            r#"a/b" or status eq "ACTIVE"#,
            r#"profile.login eq "a/b\" or status eq \"ACTIVE""#,
        ),
        (r"x\y@example.com", r#"profile.login eq "x\\y@example.com""#),
        ("a?b@example.com", r#"profile.login eq "a?b@example.com""#),
        ("a;b@example.com", r#"profile.login eq "a;b@example.com""#),
        ("50%@example.com", r#"profile.login eq "50%@example.com""#),
        ("a#b@example.com", r#"profile.login eq "a#b@example.com""#),
    ];
    for (login, expression) in cases {
        let search = json!({"search": expression, "limit": "200"});
        let document = run(
            get_user_by_login(login),
            vec![exchange(
                "GET",
                "/api/v1/users",
                search,
                None,
                200,
                json!([]),
            )],
        );
        let context = user_context(&document, "GetUser");
        assert_eq!(context["success"], false, "{login}");
        assert_eq!(context["errorCode"], 404, "{login}");
        let message = format!("User not found: no Okta user has the login '{login}'");
        assert_eq!(context["errorMessage"], message.as_str());
    }
}

#[test]
fn a_different_user_answering_a_login_path_is_not_taken() {
    // Okta resolves `GET /users/alice` by short name to alice@example.com; that is not the user
    // whose login is "alice", so the login is searched for exactly.
    let other = okta_user("00u5", "alice@example.com", "ACTIVE");
    let search = json!({"search": "profile.login eq \"alice\"", "limit": "200"});
    let document = run(
        get_user_by_login("alice"),
        vec![
            get("/api/v1/users/alice", 200, other),
            exchange("GET", "/api/v1/users", search, None, 200, json!([])),
        ],
    );
    let context = user_context(&document, "GetUser");
    assert_eq!(context["success"], false);
    assert_eq!(context["id"], Value::Null);
}

#[test]
fn a_login_okta_refuses_in_a_path_is_searched_instead() {
    let refused = okta_error("E0000001", "Api validation failed: id", &[]);
    let user = okta_user("00u8", "a,b@example.com", "ACTIVE");
    let search = json!({"search": "profile.login eq \"a,b@example.com\"", "limit": "200"});
    let document = run(
        get_user_by_login("a,b@example.com"),
        vec![
            get("/api/v1/users/a%2Cb%40example.com", 400, refused),
            exchange("GET", "/api/v1/users", search, None, 200, json!([user])),
        ],
    );
    assert_eq!(user_context(&document, "GetUser")["id"], "00u8");
}

#[test]
fn a_token_without_permission_is_an_error_not_a_refusal() {
    let body = okta_error(
        "E0000006",
        "You do not have permission to perform the requested action",
        &[],
    );
    let document = run(
        envelope("get-user", json!({"scim": {"id": "00u1"}})),
        vec![get("/api/v1/users/00u1", 403, body)],
    );
    let error = document["error"].as_str().expect("an error");
    assert!(error.contains("HTTP 403 E0000006"), "{error}");
    assert!(
        error.contains("The token's admin lacks the permission for this call"),
        "{error}"
    );
}

#[test]
fn several_matching_users_is_an_error_and_nothing_is_changed() {
    let login = "x/y@example.com";
    let users = json!([
        okta_user("00u6", login, "ACTIVE"),
        okta_user("00u7", "X/Y@example.com", "ACTIVE")
    ]);
    let search = json!({"search": "profile.login eq \"x/y@example.com\"", "limit": "200"});
    let document = run(
        envelope("disable-user", json!({ "scim": { "userName": login } })),
        vec![exchange("GET", "/api/v1/users", search, None, 200, users)],
    );
    let expected = "Failed to execute disable-user command. Error: 2 Okta users match the login \
        'x/y@example.com'; refusing to act on any of them. Give the SCIM 'id' of the intended \
        user instead";
    assert_eq!(document["error"], expected);
    assert_eq!(document["results"][0]["Type"], 4);
}

#[test]
fn an_unknown_id_is_not_found_with_okta_details() {
    let body = okta_error(
        "E0000007",
        "Not found: Resource not found: 00uMISSING (User)",
        &[],
    );
    let document = run(
        envelope("get-user", json!({"scim": "{\"id\":\"00uMISSING\"}"})),
        vec![get("/api/v1/users/00uMISSING", 404, body.clone())],
    );
    let context = user_context(&document, "GetUser");
    assert_eq!(context["success"], false);
    assert_eq!(context["active"], Value::Null);
    assert_eq!(context["errorCode"], 404);
    assert_eq!(
        context["errorMessage"],
        "Not found: Resource not found: 00uMISSING (User)"
    );
    assert_eq!(context["details"], body);
    assert_eq!(document["error"], Value::Null);
    let expected_table = "### Get Okta User:\n\
        |brand|instanceName|success|errorCode|errorMessage|details|\n\
        |---|---|---|---|---|---|\n\
        | Okta IT Admin | OktaITAdmin | false | 404 | Not found: Resource not found: 00uMISSING \
        (User) | errorCode: E0000007<br/>errorSummary: Not found: Resource not found: 00uMISSING \
        (User)<br/>errorLink: E0000007<br/>errorId: oaeTESTERRORID0000000000<br/>\
        errorCauses: [] |\n";
    assert_eq!(table(&document), expected_table);
}

#[test]
fn an_id_is_one_encoded_path_segment() {
    let user = okta_user("a/../b", "odd@example.com", "ACTIVE");
    let document = run(
        envelope("get-user", json!({"scim": {"id": "a/../b"}})),
        vec![get("/api/v1/users/a%2F..%2Fb", 200, user)],
    );
    assert_eq!(user_context(&document, "GetUser")["success"], true);
}

#[test]
fn ids_no_url_can_carry_are_refused_naming_the_argument() {
    let cases = [
        (
            "get-user",
            json!({"scim": {"id": ".."}}),
            "the argument 'scim' has the 'id' '..', \
            which cannot be an Okta user id: it is empty, a dot segment or holds control \
            characters",
        ),
        (
            "disable-user",
            json!({"scim": {"id": "ME"}}),
            "the argument 'scim' has the 'id' 'ME', \
            which cannot be an Okta user id: Okta reads 'me' as the API token's own user",
        ),
        (
            "update-user",
            json!({"oldScim": {"id": "."}, "newScim": {"title": "x"}}),
            "the argument 'oldScim' has the 'id' '.'",
        ),
        (
            "okta-get-assigned-user-for-app",
            json!({"applicationId": "..", "userId": "00u1"}),
            "the argument 'applicationId' holds '..', which cannot be an Okta id",
        ),
        (
            "okta-get-assigned-user-for-app",
            json!({"applicationId": "0oa1", "userId": "me"}),
            "the argument 'userId' holds 'me', which cannot be an Okta id: Okta reads 'me' as \
            the API token's own user",
        ),
    ];
    for (command, args, expected) in cases {
        let document = run(envelope(command, args), vec![]);
        let error = document["error"].as_str().unwrap();
        let expected = format!("Failed to execute {command} command. Error: {expected}");
        assert!(error.starts_with(&expected), "{error}");
    }
}

#[test]
fn the_login_me_in_any_case_is_searched_not_fetched() {
    for login in ["me", "ME", "Me"] {
        let search = json!({"search": format!("profile.login eq \"{login}\""), "limit": "200"});
        let document = run(
            get_user_by_login(login),
            vec![exchange(
                "GET",
                "/api/v1/users",
                search,
                None,
                200,
                json!([]),
            )],
        );
        assert_eq!(
            user_context(&document, "GetUser")["errorCode"],
            404,
            "{login}"
        );
    }
}

#[test]
fn a_scim_without_id_or_username_is_an_error() {
    let document = run(
        envelope("enable-user", json!({"scim": {"name": {"givenName": "A"}}})),
        vec![],
    );
    assert_eq!(
        document["error"],
        "Failed to execute enable-user command. Error: the argument 'scim' names no user: give \
         the SCIM 'id' (the Okta user id) or 'userName' (the Okta login)"
    );
}
