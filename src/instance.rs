//! The integration instance's connection parameters, validated before any request is sent.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::inputs::{InputError, Inputs};

/// Longest `timeout` accepted, in seconds: an hour is already far beyond any Okta call.
pub const MAX_TIMEOUT_SECONDS: u64 = 3600;

/// Request timeout used when the `timeout` parameter is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// An Okta API token; it never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps a token taken from the instance parameters.
    pub fn new(token: String) -> ApiToken {
        ApiToken(token)
    }

    /// The token itself, for the one place that builds the `Authorization` header and for
    /// scrubbing outputs.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(redacted)")
    }
}

/// Where and how to reach the Okta org.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The org's origin and API root, such as `https://example.okta.com/api/v1`.
    pub api_root: String,
    /// The SSWS API token.
    pub token: ApiToken,
    /// Turns TLS certificate verification off.
    pub insecure: bool,
    /// Routes requests through the proxy named by the environment.
    pub proxy: bool,
    /// Time allowed for each attempt of a request, from connecting to the last byte.
    pub timeout: Duration,
}

impl Connection {
    /// Validates the connection parameters.
    pub fn from_params(params: &Map<String, Value>) -> Result<Connection, InputError> {
        let inputs = Inputs::parameters(params);
        inputs.check_all()?;
        let url = inputs.required_text("url")?;
        let api_root = api_root(&url)?;
        let token = inputs.secret("apitoken")?.ok_or_else(|| {
            InputError("the parameter 'apitoken' is required: give the Okta API token".into())
        })?;
        if !token.chars().all(|c| c.is_ascii_graphic()) {
            return Err(InputError(
                "the parameter 'apitoken' holds characters an Okta API token never has (spaces \
                 or non-ASCII); paste the token exactly as Okta showed it"
                    .into(),
            ));
        }
        let timeout = match inputs.count("timeout")? {
            None => DEFAULT_TIMEOUT,
            Some(seconds @ 1..=MAX_TIMEOUT_SECONDS) => Duration::from_secs(seconds),
            Some(seconds) => {
                return Err(InputError(format!(
                    "the parameter 'timeout' must be from 1 to {MAX_TIMEOUT_SECONDS} seconds, \
                     got {seconds}"
                )));
            }
        };
        Ok(Connection {
            api_root,
            token: ApiToken::new(token),
            insecure: inputs.flag("insecure")?.unwrap_or(false),
            proxy: inputs.flag("proxy")?.unwrap_or(false),
            timeout,
        })
    }
}

/// Turns the `url` parameter into the API root; a trailing `/` or `/api/v1` is optional.
fn api_root(url: &str) -> Result<String, InputError> {
    let invalid = |why: &str| {
        InputError(format!(
            "the parameter 'url' is not a usable Okta URL ({why}); \
             give the org address, such as https://example.okta.com"
        ))
    };
    let parsed = url::Url::parse(url).map_err(|err| invalid(&err.to_string()))?;
    match (parsed.scheme(), parsed.host()) {
        (_, None) => return Err(invalid("it has no host")),
        ("https", Some(_)) => {}
        // Plain HTTP would send the token in the clear; only a local stand-in may use it.
        ("http", Some(host)) if is_loopback(&host) => {}
        ("http", Some(_)) => {
            return Err(invalid(
                "it must start with https://: plain http would send the API token in the \
                 clear, and is accepted only for a local stand-in on a loopback address",
            ));
        }
        _ => return Err(invalid("it must start with https://")),
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it must not carry a query or fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("it must not carry credentials"));
    }

    let path = parsed.path().trim_end_matches('/');
    if !path.is_empty() && path != "/api/v1" {
        return Err(invalid(&format!(
            "it has the path '{}'; give only the org's address, optionally ending in /api/v1",
            parsed.path()
        )));
    }
    let origin = parsed.origin().ascii_serialization();
    Ok(format!("{origin}/api/v1"))
}

/// Whether a host is this machine: `localhost` or a loopback address.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(address) => address.is_loopback(),
        url::Host::Ipv6(address) => address.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn connect(params: Value) -> Result<Connection, InputError> {
        Connection::from_params(params.as_object().unwrap())
    }

    #[test]
    fn every_url_spelling_gives_the_same_api_root() {
        for url in [
            "https://example.okta.com",
            "https://example.okta.com/",
            "https://example.okta.com/api/v1",
            "https://example.okta.com/api/v1/",
            " https://example.okta.com// ",
        ] {
            let connection = connect(json!({"url": url, "apitoken": "t"})).unwrap();
            assert_eq!(
                connection.api_root, "https://example.okta.com/api/v1",
                "{url}"
            );
        }
    }

    #[test]
    fn a_url_with_another_path_is_refused() {
        for url in [
            "https://x-admin.okta.com/admin/dashboard",
            "https://x.okta.com/api/v2",
        ] {
            let err = connect(json!({"url": url, "apitoken": "t"})).unwrap_err();
            assert!(
                err.0.contains("give only the org's address"),
                "{url}: {}",
                err.0
            );
        }
    }

    #[test]
    fn rejects_urls_that_are_not_http() {
        for url in [
            "example.okta.com",
            "ftp://example.okta.com",
            "https://",
            "https://x?a=1",
        ] {
            let err = connect(json!({"url": url, "apitoken": "t"})).unwrap_err();
            assert!(
                err.0
                    .starts_with("the parameter 'url' is not a usable Okta URL"),
                "{url}"
            );
        }
    }

    #[test]
    fn token_is_required_and_may_be_a_credentials_object() {
        let err = connect(json!({"url": "https://x.okta.com"})).unwrap_err();
        assert!(err.0.contains("'apitoken' is required"));
        let credentials = json!({"identifier": "", "password": "secret-1"});
        let connection = connect(json!({"url": "https://x.okta.com", "apitoken": credentials}));
        assert_eq!(connection.unwrap().token.reveal(), "secret-1");
    }

    #[test]
    fn token_debug_output_is_redacted() {
        let connection = connect(json!({"url": "https://x.okta.com", "apitoken": "s3cr3t"}));
        let printed = format!("{:?}", connection.unwrap());
        assert!(!printed.contains("s3cr3t"));
        assert!(printed.contains("ApiToken(redacted)"));
    }

    #[test]
    fn flags_and_timeout_accept_engine_spellings() {
        let params = json!({"url": "https://x.okta.com", "apitoken": "t",
            "insecure": "true", "proxy": false, "timeout": "15"});
        let connection = connect(params).unwrap();
        assert!(connection.insecure);
        assert!(!connection.proxy);
        assert_eq!(connection.timeout, Duration::from_secs(15));
        let zero = json!({"url": "https://x.okta.com", "apitoken": "t", "timeout": 0});
        assert!(connect(zero).is_err());
        for huge in [json!("18446744073709551615"), json!(3601)] {
            let params = json!({"url": "https://x.okta.com", "apitoken": "t", "timeout": huge});
            let err = connect(params).unwrap_err();
            assert!(
                err.0.contains("'timeout' must be from 1 to 3600 seconds"),
                "{}",
                err.0
            );
        }
        let params = json!({"url": "https://x.okta.com", "apitoken": "t", "timeout": 1e30});
        let err = connect(params).unwrap_err();
        assert!(
            err.0
                .contains("'timeout' must be a whole number of a sensible size, got 1e+30"),
            "{}",
            err.0
        );
    }

    #[test]
    fn plain_http_is_only_for_a_loopback_stand_in() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(
                connect(json!({"url": url, "apitoken": "t"})).is_ok(),
                "{url}"
            );
        }
        for url in ["http://example.okta.com", "http://192.0.2.2:18081"] {
            let err = connect(json!({"url": url, "apitoken": "t"})).unwrap_err();
            assert!(
                err.0
                    .contains("plain http would send the API token in the clear"),
                "{url}"
            );
        }
    }

    #[test]
    fn a_token_with_spaces_or_non_ascii_is_refused() {
        for token in ["üü", "two words"] {
            let err = connect(json!({"url": "https://x.okta.com", "apitoken": token}));
            assert!(
                err.unwrap_err().0.contains("'apitoken' holds characters"),
                "{token}"
            );
        }
    }

    #[test]
    fn every_parameter_is_checked_before_connecting() {
        let params = json!({"url": "https://x.okta.com", "apitoken": "t",
            "incidentType": "Okta\u{1b}[2J"});
        let err = connect(params).unwrap_err();
        assert_eq!(
            err.0,
            "the parameter 'incidentType' contains control characters; remove them"
        );
    }
}
