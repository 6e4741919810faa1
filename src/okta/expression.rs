//! Safe placement of untrusted values into Okta URLs and search expressions.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters escaped in one path segment: everything but RFC 3986's unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Characters with which Okta cannot find a user by login in the path (`GET /users/{login}`).
const UNSAFE_IN_LOGIN_PATH: &[char] = &['/', '?', '\\', '[', ']', ';', '%', '#'];

/// Percent-encodes a value as exactly one URL path segment.
///
/// Returns None for values a URL cannot carry as a segment: empty, `.`, `..`, or holding
/// control characters.
pub fn path_segment(value: &str) -> Option<String> {
    let all_dots = value.chars().all(|c| c == '.');
    if value.is_empty() || all_dots || value.chars().any(char::is_control) {
        return None;
    }
    Some(utf8_percent_encode(value, PATH_SEGMENT).to_string())
}

/// Why a value cannot be an Okta id in a URL path, when it cannot; `user` adds the rule that
/// `me` names the API token's own user.
pub fn id_problem(value: &str, user: bool) -> Option<&'static str> {
    if path_segment(value).is_none() {
        Some("it is empty, a dot segment or holds control characters")
    } else if user && value.eq_ignore_ascii_case("me") {
        Some("Okta reads 'me' as the API token's own user")
    } else {
        None
    }
}

/// Whether Okta can look this login up directly in the path of `GET /users/{login}`.
///
/// Okta documents that logins holding `/` (and, in older docs, `?`) can only be fetched by id,
/// and rejects `\`, `[`, `]`, `;` in that position; such logins are searched for instead.
pub fn login_fits_in_path(login: &str) -> bool {
    path_segment(login).is_some()
        && !login.contains(UNSAFE_IN_LOGIN_PATH)
        && !login.eq_ignore_ascii_case("me")
}

/// Writes a value as a string literal of an Okta search or filter expression.
///
/// Okta requires literals to be valid JSON strings, so quotes, backslashes and control
/// characters are escaped and no input can end the literal early.
pub fn string_literal(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}

/// The search expression that finds users by login, whatever the login holds.
pub fn login_search(login: &str) -> String {
    format!("profile.login eq {}", string_literal(login))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_separators_out() {
        let cases = [
            ("00utiigb9kCWr4rzE0h7", "00utiigb9kCWr4rzE0h7"),
            ("isaac.brock@example.com", "isaac.brock%40example.com"),
            ("a/b", "a%2Fb"),
            ("a+b c", "a%2Bb%20c"),
            ("50%", "50%25"),
            ("q?x#y", "q%3Fx%23y"),
            ("..a", "..a"),
            ("é", "%C3%A9"),
        ];
        for (value, expected) in cases {
            assert_eq!(path_segment(value).as_deref(), Some(expected), "{value}");
        }
    }

    #[test]
    fn dot_segments_and_control_characters_are_refused() {
        for value in ["", ".", "..", "...", "a\nb", "a\u{0}"] {
            assert_eq!(path_segment(value), None, "{value:?}");
        }
    }

    #[test]
    fn logins_okta_cannot_get_by_path_are_searched() {
        for login in [
            "a@x.com",
            "o'brien@x.com",
            "a+b@x.com",
            "jürgen@x.com",
            "\"q\"@x.com",
        ] {
            assert!(login_fits_in_path(login), "{login}");
        }
        for login in [
            "a/b@x.com",
            "a?b@x.com",
            "a\\b@x.com",
            "a;b@x.com",
            "[a]@x.com",
            "me",
        ] {
            assert!(!login_fits_in_path(login), "{login}");
        }
    }

    #[test]
    fn search_literals_cannot_be_broken_out_of() {
        assert_eq!(login_search("a@x.com"), r#"profile.login eq "a@x.com""#);
        assert_eq!(
            login_search(r#"x" or profile.login sw "a"#),
            r#"profile.login eq "x\" or profile.login sw \"a""#
        );
        assert_eq!(
            login_search(r"back\slash"),
            r#"profile.login eq "back\\slash""#
        );
        assert_eq!(login_search("tab\there"), r#"profile.login eq "tab\there""#);
    }
}
