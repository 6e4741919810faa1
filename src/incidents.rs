//! Turning Okta System Log events into XSOAR incidents. Pure; no I/O.
//!
//! An event is kept exactly as Okta wrote it (it becomes `rawJSON`); only the few fields an
//! incident needs are read from it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// XSOAR incident severities.
const SEVERITY_UNKNOWN: u8 = 0;
const SEVERITY_LOW: u8 = 1;
const SEVERITY_MEDIUM: u8 = 2;
const SEVERITY_HIGH: u8 = 3;

/// The fields of a System Log event that an incident is made from.
#[derive(Debug, Default, Deserialize)]
pub struct EventSummary<'a> {
    /// Okta's unique id of the event.
    #[serde(borrow, default)]
    pub uuid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    published: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "eventType")]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    severity: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "displayMessage")]
    display_message: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    actor: Option<Actor<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct Actor<'a> {
    #[serde(borrow, default, rename = "displayName")]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "alternateId")]
    alternate_id: Option<Cow<'a, str>>,
}

impl<'a> EventSummary<'a> {
    /// Reads the summary of an event given as JSON text; an event of another shape has none.
    pub fn read(event: &'a str) -> EventSummary<'a> {
        serde_json::from_str(event).unwrap_or_default()
    }

    /// When the event was published, as Okta wrote it.
    pub fn published(&self) -> Option<&str> {
        self.published.as_deref()
    }
}

/// An XSOAR incident, as the engine expects it.
#[derive(Serialize)]
struct Incident<'a> {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    occurred: Option<&'a str>,
    #[serde(rename = "rawJSON")]
    raw_json: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    incident_type: Option<&'a str>,
    severity: u8,
}

/// The incident of one event, as JSON text: `event` is the event's JSON text, `incident_type`
/// the instance's type.
pub fn incident_json(event: &str, summary: &EventSummary, incident_type: Option<&str>) -> String {
    let incident = Incident {
        name: name(summary),
        occurred: summary.published.as_deref(),
        raw_json: event,
        incident_type,
        severity: severity(summary),
    };
    // Limitation: unreachable fallback; a struct of strings and a number always serialises.
    serde_json::to_string(&incident).unwrap_or_else(|_| String::from("{}"))
}

/// A readable name: what happened, and who did it.
fn name(summary: &EventSummary) -> String {
    let text = |value: &Option<Cow<str>>| {
        value
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let what = text(&summary.display_message)
        .or_else(|| text(&summary.event_type))
        .unwrap_or_else(|| "Okta System Log event".to_string());
    let actor = summary.actor.as_ref();
    let display_name = actor.and_then(|a| text(&a.display_name));
    let alternate_id = actor.and_then(|a| text(&a.alternate_id));
    match (display_name, alternate_id) {
        (Some(name), Some(id)) if name != id => format!("{what} by {name} ({id})"),
        (Some(name), _) | (None, Some(name)) => format!("{what} by {name}"),
        (None, None) => what,
    }
}

/// XSOAR severity from the event's: DEBUG and INFO low, WARN medium, ERROR high.
fn severity(summary: &EventSummary) -> u8 {
    match summary.severity.as_deref() {
        Some("DEBUG" | "INFO") => SEVERITY_LOW,
        Some("WARN") => SEVERITY_MEDIUM,
        Some("ERROR") => SEVERITY_HIGH,
        _ => SEVERITY_UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn incident(event: &Value, incident_type: Option<&str>) -> Value {
        let text = event.to_string();
        let json = incident_json(&text, &EventSummary::read(&text), incident_type);
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn incident_carries_name_time_raw_event_type_and_severity() {
        let event = json!({"uuid": "u1", "published": "2026-12-01T10:00:00.000Z",
            "eventType": "user.session.start", "severity": "WARN",
            "displayMessage": "User \"login\" to Okta",
            "actor": {"displayName": "Ann Lee", "alternateId": "ann@example.com"}});
        let incident = incident(&event, Some("Okta Event"));
        assert_eq!(
            incident["name"],
            "User \"login\" to Okta by Ann Lee (ann@example.com)"
        );
        assert_eq!(incident["occurred"], "2026-12-01T10:00:00.000Z");
        assert_eq!(incident["type"], "Okta Event");
        assert_eq!(incident["severity"], 2);
        assert_eq!(incident["rawJSON"], event.to_string());
    }

    #[test]
    fn severities_map_to_xsoar_levels() {
        for (okta, xsoar) in [
            ("DEBUG", 1),
            ("INFO", 1),
            ("WARN", 2),
            ("ERROR", 3),
            ("X", 0),
        ] {
            assert_eq!(
                incident(&json!({"severity": okta}), None)["severity"],
                xsoar,
                "{okta}"
            );
        }
    }

    #[test]
    fn names_fall_back_when_fields_are_missing_or_odd() {
        let name = |event: Value| incident(&event, None)["name"].clone();
        assert_eq!(
            name(json!({"eventType": "user.lifecycle.create"})),
            "user.lifecycle.create"
        );
        assert_eq!(name(json!({})), "Okta System Log event");
        assert_eq!(name(json!([1, 2])), "Okta System Log event");
        let same =
            json!({"displayMessage": "x", "actor": {"displayName": "a", "alternateId": "a"}});
        assert_eq!(name(same), "x by a");
        assert_eq!(incident(&json!({}), None).get("type"), None);
        assert_eq!(incident(&json!({}), None).get("occurred"), None);
    }
}
