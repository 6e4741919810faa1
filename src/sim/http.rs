//! The request and reply types the endpoint handlers work with, independent of tiny_http.

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::form_urlencoded;

use super::errors::OktaError;

/// A parsed `/api` request.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// Upper-case method.
    pub method: String,
    /// Raw path (percent-encoded), without the query.
    pub path: String,
    /// Raw query string without `?`.
    pub raw_query: String,
    /// Decoded query parameters in order (`+` and `%20` both decode to a space).
    pub params: Vec<(String, String)>,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
    /// The simulator's own origin, for absolute links.
    pub base_url: String,
    /// The `X-Okta-Request-Id` of this request's response.
    pub request_id: String,
    /// When the request was received.
    pub now: DateTime<Utc>,
}

impl ApiRequest {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of a header (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A boolean query parameter; absent gives `default`, anything but true/false is a 400.
    pub fn bool_param(&self, name: &str, default: bool) -> Result<bool, OktaError> {
        match self.param(name) {
            None => Ok(default),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) => Err(OktaError::validation(
                name,
                format!("{name}: '{value}' is not a valid boolean value"),
            )),
        }
    }

    /// The body parsed as JSON; an empty body gives `{}`, malformed JSON a 400 E0000003.
    pub fn json_body(&self) -> Result<Value, OktaError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&self.body).map_err(|_| OktaError::malformed_body())
    }

    /// The absolute URL of this request, query as received.
    pub fn self_url(&self) -> String {
        if self.raw_query.is_empty() {
            format!("{}{}", self.base_url, self.path)
        } else {
            format!("{}{}?{}", self.base_url, self.path, self.raw_query)
        }
    }

    /// An absolute URL for this request's path with the given query parameters; spaces are
    /// encoded as `+`, as in Okta's own links.
    pub fn url_with_params(&self, params: &[(String, String)]) -> String {
        let path = format!("{}{}", self.base_url, self.path);
        if params.is_empty() {
            return path;
        }
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in params {
            serializer.append_pair(key, value);
        }
        format!("{path}?{}", serializer.finish())
    }

    /// The request's own parameters minus those named in `without`, plus `extra` at the end.
    pub fn params_replacing(
        &self,
        without: &[&str],
        extra: &[(&str, String)],
    ) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(key, _)| !without.contains(&key.as_str()))
            .cloned()
            .collect();
        params.extend(
            extra
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone())),
        );
        params
    }
}

/// A reply before the common headers are added.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Complete `Link` header values, one header line each.
    pub links: Vec<String>,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            body: body.to_string().into_bytes(),
            content_type: "application/json",
            links: Vec::new(),
        }
    }

    /// A JSON-typed reply with an empty body (for example `deactivate`'s 200).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: Vec::new(),
            content_type: "application/json",
            links: Vec::new(),
        }
    }

    /// The Okta error body for `error`.
    pub fn error(error: &OktaError) -> Reply {
        Reply::json(error.status, &error.to_json())
    }

    /// Adds a `Link: <url>; rel="rel"` header.
    pub fn with_link(mut self, url: &str, rel: &str) -> Reply {
        self.links.push(format!("<{url}>; rel=\"{rel}\""));
        self
    }
}
