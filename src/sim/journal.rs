//! The request journal: every `/api` request the simulator received, in arrival order.

use indexmap::IndexMap;
use serde::Serialize;

/// One received `/api` request, as seen on the wire.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JournalEntry {
    /// Identifies the client's TCP connection: equal for requests sent on the same connection.
    pub connection: String,
    /// HTTP method in upper case (`GET`, `POST`, ...).
    pub method: String,
    /// Raw request path without the query string (still percent-encoded).
    pub path: String,
    /// Raw query string without the leading `?` (empty when absent).
    pub query: String,
    /// Request headers by lower-case name; repeated headers are joined with `, `.
    pub headers: IndexMap<String, String>,
    /// Raw request body (lossily decoded as UTF-8; empty when absent).
    pub body: String,
}

impl JournalEntry {
    /// The value of a header, looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}
