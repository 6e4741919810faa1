//! Turning Okta System Log events into XSOAR incidents. Pure; no I/O.

use serde_json::{Map, Value, json};

/// XSOAR incident severities.
const SEVERITY_UNKNOWN: u8 = 0;
const SEVERITY_LOW: u8 = 1;
const SEVERITY_MEDIUM: u8 = 2;
const SEVERITY_HIGH: u8 = 3;

/// Builds the incident for one System Log event; `incident_type` is the instance's type.
pub fn incident(event: &Value, incident_type: Option<&str>) -> Value {
    let mut incident = Map::new();
    incident.insert("name".into(), json!(name(event)));
    if let Some(published) = event.get("published").and_then(Value::as_str) {
        incident.insert("occurred".into(), json!(published));
    }
    incident.insert("rawJSON".into(), json!(event.to_string()));
    if let Some(kind) = incident_type {
        incident.insert("type".into(), json!(kind));
    }
    incident.insert("severity".into(), json!(severity(event)));
    Value::Object(incident)
}

/// A readable name: what happened, and who did it.
fn name(event: &Value) -> String {
    let what = text(event.get("displayMessage"))
        .or_else(|| text(event.get("eventType")))
        .unwrap_or("Okta System Log event");
    let actor = event.get("actor");
    let display_name = text(actor.and_then(|a| a.get("displayName")));
    let alternate_id = text(actor.and_then(|a| a.get("alternateId")));
    match (display_name, alternate_id) {
        (Some(name), Some(id)) if name != id => format!("{what} by {name} ({id})"),
        (Some(name), _) | (None, Some(name)) => format!("{what} by {name}"),
        (None, None) => what.to_string(),
    }
}

/// The text of a value, when it is non-empty text.
fn text(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// XSOAR severity from the event's: DEBUG and INFO low, WARN medium, ERROR high.
fn severity(event: &Value) -> u8 {
    match event.get("severity").and_then(Value::as_str) {
        Some("DEBUG" | "INFO") => SEVERITY_LOW,
        Some("WARN") => SEVERITY_MEDIUM,
        Some("ERROR") => SEVERITY_HIGH,
        _ => SEVERITY_UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_carries_name_time_raw_event_type_and_severity() {
        let event = json!({"uuid": "u1", "published": "2026-12-01T10:00:00.000Z",
            "eventType": "user.session.start", "severity": "WARN",
            "displayMessage": "User login to Okta",
            "actor": {"displayName": "Ann Lee", "alternateId": "ann@example.com"}});
        let incident = incident(&event, Some("Okta Event"));
        assert_eq!(
            incident["name"],
            "User login to Okta by Ann Lee (ann@example.com)"
        );
        assert_eq!(incident["occurred"], "2026-12-01T10:00:00.000Z");
        assert_eq!(incident["type"], "Okta Event");
        assert_eq!(incident["severity"], 2);
        let raw: Value = serde_json::from_str(incident["rawJSON"].as_str().unwrap()).unwrap();
        assert_eq!(raw, event);
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
            assert_eq!(severity(&json!({"severity": okta})), xsoar, "{okta}");
        }
    }

    #[test]
    fn names_fall_back_when_fields_are_missing() {
        assert_eq!(
            name(&json!({"eventType": "user.lifecycle.create"})),
            "user.lifecycle.create"
        );
        assert_eq!(name(&json!({})), "Okta System Log event");
        let same =
            json!({"displayMessage": "x", "actor": {"displayName": "a", "alternateId": "a"}});
        assert_eq!(name(&same), "x by a");
        assert_eq!(incident(&json!({}), None).get("type"), None);
    }
}
