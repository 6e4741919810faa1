//! The outputs of the five user commands: the ten-key result object, the `Account` context and
//! the war-room table. Pure shaping; no Okta calls.

use serde_json::{Map, Value, json};

use crate::envelope::{BRAND, Entry};
use crate::markdown::table_to_markdown;
use crate::okta::ApiError;

/// Columns of the user result, in the order outputs and tables show them.
pub const RESULT_KEYS: [&str; 10] = [
    "brand",
    "instanceName",
    "success",
    "active",
    "id",
    "username",
    "email",
    "errorCode",
    "errorMessage",
    "details",
];

/// Context key under which Account objects merge.
const ACCOUNT_KEY: &str = "Account(val.ID && val.ID == obj.ID)";

/// Okta statuses in which a user cannot sign in until enabled again.
const INACTIVE_STATUSES: [&str; 3] = ["DEPROVISIONED", "SUSPENDED", "STAGED"];

/// Which user command produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserCommand {
    /// `create-user`
    Create,
    /// `update-user`
    Update,
    /// `get-user`
    Get,
    /// `enable-user`
    Enable,
    /// `disable-user`
    Disable,
}

impl UserCommand {
    fn verb(self) -> &'static str {
        match self {
            UserCommand::Create => "Create",
            UserCommand::Update => "Update",
            UserCommand::Get => "Get",
            UserCommand::Enable => "Enable",
            UserCommand::Disable => "Disable",
        }
    }

    /// The context path the result merges under.
    pub fn context_key(self) -> String {
        format!(
            "{}User(val.id == obj.id && val.instanceName == obj.instanceName)",
            self.verb()
        )
    }

    /// The war-room table title.
    pub fn title(self) -> String {
        format!("{} Okta User:", self.verb())
    }
}

/// Whether a user in this Okta status can use their account.
pub fn is_active(status: &str) -> bool {
    !INACTIVE_STATUSES.contains(&status)
}

/// The Okta status of a user object, when it has one.
pub fn status_of(user: &Value) -> Option<&str> {
    user.get("status").and_then(Value::as_str)
}

/// The ten-key result of a user command, before brand and instance are added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserResult {
    /// Whether Okta did what was asked.
    pub success: bool,
    /// Whether the user can sign in, when known.
    pub active: Option<bool>,
    /// The Okta user id, when known.
    pub id: Option<String>,
    /// The Okta login, when known.
    pub username: Option<String>,
    /// The primary email, when known.
    pub email: Option<String>,
    /// Okta's error code, or the HTTP status when Okta gave none.
    pub error_code: Option<Value>,
    /// Okta's summary and causes.
    pub error_message: Option<String>,
    /// Okta's user object or error body.
    pub details: Option<Value>,
    /// The Account context, on success.
    pub account: Option<Map<String, Value>>,
}

impl UserResult {
    /// A successful result describing an Okta user object.
    pub fn from_user(user: &Value) -> UserResult {
        let mut result = UserResult::identity(user);
        result.success = true;
        result.details = Some(user.clone());
        result.account = Some(account(user, status_of(user)));
        result
    }

    /// Id, login, email and active state of a user, with nothing else set.
    pub fn identity(user: &Value) -> UserResult {
        let profile_text = |key: &str| {
            user.get("profile")
                .and_then(|p| p.get(key))
                .and_then(Value::as_str)
                .map(String::from)
        };
        UserResult {
            active: status_of(user).map(is_active),
            id: user.get("id").and_then(Value::as_str).map(String::from),
            username: profile_text("login"),
            email: profile_text("email"),
            ..UserResult::default()
        }
    }

    /// A result for an operation Okta refused, keeping Okta's code, message and body.
    pub fn refused(error: &ApiError) -> UserResult {
        UserResult {
            success: false,
            error_code: Some(error_code(error)),
            error_message: Some(error.message()),
            details: (!error.body.is_null()).then(|| error.body.clone()),
            ..UserResult::default()
        }
    }

    /// A result for a user that does not exist.
    pub fn not_found(message: String) -> UserResult {
        UserResult {
            success: false,
            error_code: Some(json!(404)),
            error_message: Some(message),
            ..UserResult::default()
        }
    }

    /// The result object with the ten keys in order, nulls kept.
    pub fn to_object(&self, instance_name: &str) -> Map<String, Value> {
        let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
        let values = [
            json!(BRAND),
            json!(instance_name),
            json!(self.success),
            self.active.map_or(Value::Null, Value::Bool),
            text(&self.id),
            text(&self.username),
            text(&self.email),
            self.error_code.clone().unwrap_or(Value::Null),
            text(&self.error_message),
            self.details.clone().unwrap_or(Value::Null),
        ];
        RESULT_KEYS
            .iter()
            .map(|key| key.to_string())
            .zip(values)
            .collect()
    }

    /// The war-room entry: contents, context and table.
    pub fn into_entry(self, command: UserCommand, instance_name: &str) -> Entry {
        let object = self.to_object(instance_name);
        let table = table_to_markdown(&command.title(), &[&object], &RESULT_KEYS, true);
        let mut context = Map::new();
        context.insert(command.context_key(), Value::Object(object.clone()));
        if let Some(account) = self.account {
            context.insert(ACCOUNT_KEY.to_string(), Value::Object(account));
        }
        Entry::note(Value::Object(object), table, context)
    }
}

/// The `errorCode` output of an Okta refusal: the number 404 for anything not found (as the
/// reference's outputs show), else Okta's code, else the HTTP status.
pub fn error_code(error: &ApiError) -> Value {
    match (&error.code, error.status) {
        (_, 404) => json!(404),
        (Some(code), _) => json!(code),
        (None, status) => json!(status),
    }
}

/// The standard XSOAR Account object of an Okta user; `status` overrides the object's own.
pub fn account(user: &Value, status: Option<&str>) -> Map<String, Value> {
    let profile = user.get("profile");
    let profile_text = |key: &str| profile.and_then(|p| p.get(key)).and_then(Value::as_str);
    let display_name = profile_text("displayName").map(String::from).or_else(|| {
        let parts: Vec<&str> = [profile_text("firstName"), profile_text("lastName")]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let top = |key: &str| user.get(key).and_then(Value::as_str).map(String::from);

    let fields = [
        ("ID", top("id")),
        ("Username", profile_text("login").map(String::from)),
        ("Email", profile_text("email").map(String::from)),
        ("DisplayName", display_name),
        ("Status", status.map(String::from)),
        ("Type", Some("Okta".to_string())),
        ("Created", top("created")),
        ("Activated", top("activated")),
        ("StatusChanged", top("statusChanged")),
        ("PasswordChanged", top("passwordChanged")),
    ];
    fields
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| (key.to_string(), Value::String(value))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(status: &str) -> Value {
        json!({"id": "00u1", "status": status, "created": "2020-08-21T16:59:04.000Z",
            "activated": null, "statusChanged": "2020-08-24T15:01:20.000Z",
            "passwordChanged": null,
            "profile": {"firstName": "Demisto", "lastName": "Test",
                "login": "t@example.com", "email": "t@example.com"}})
    }

    #[test]
    fn active_is_false_only_for_statuses_that_block_sign_in() {
        for (status, active) in [
            ("ACTIVE", true),
            ("PROVISIONED", true),
            ("RECOVERY", true),
            ("LOCKED_OUT", true),
            ("PASSWORD_EXPIRED", true),
            ("DEPROVISIONED", false),
            ("SUSPENDED", false),
            ("STAGED", false),
        ] {
            assert_eq!(is_active(status), active, "{status}");
        }
    }

    #[test]
    fn account_keeps_known_fields_and_builds_the_display_name() {
        let account = account(&user("PROVISIONED"), Some("PROVISIONED"));
        let expected = json!({"ID": "00u1", "Username": "t@example.com",
            "Email": "t@example.com", "DisplayName": "Demisto Test", "Status": "PROVISIONED",
            "Type": "Okta", "Created": "2020-08-21T16:59:04.000Z",
            "StatusChanged": "2020-08-24T15:01:20.000Z"});
        assert_eq!(Value::Object(account), expected);
    }

    #[test]
    fn result_object_has_the_ten_keys_in_order() {
        let object = UserResult::from_user(&user("SUSPENDED")).to_object("OktaITAdmin");
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys, RESULT_KEYS);
        assert_eq!(object["active"], false);
        assert_eq!(object["username"], "t@example.com");
        assert_eq!(object["errorCode"], Value::Null);
    }

    #[test]
    fn refusals_keep_okta_code_and_use_404_for_missing_users() {
        let body = json!({"errorCode": "E0000007", "errorSummary": "Not found: x (User)"});
        let missing = ApiError::new("GET", "/u".into(), 404, body, None);
        let result = UserResult::refused(&missing);
        assert_eq!(result.error_code, Some(json!(404)));
        assert_eq!(result.error_message.as_deref(), Some("Not found: x (User)"));
        let body = json!({"errorCode": "E0000001", "errorSummary": "Api validation failed"});
        let invalid = ApiError::new("POST", "/u".into(), 400, body, None);
        assert_eq!(
            UserResult::refused(&invalid).error_code,
            Some(json!("E0000001"))
        );
    }

    #[test]
    fn entry_has_contents_context_and_table() {
        let mut result = UserResult::identity(&user("ACTIVE"));
        result.success = true;
        let entry = result.into_entry(UserCommand::Enable, "OktaITAdmin");
        let expected_table = "### Enable Okta User:\n\
            |brand|instanceName|success|active|id|username|email|\n\
            |---|---|---|---|---|---|---|\n\
            | Okta IT Admin | OktaITAdmin | true | true | 00u1 | t@example.com | t@example.com |\n";
        assert_eq!(entry.human_readable.as_deref(), Some(expected_table));
        let context = entry.entry_context.unwrap();
        let key = "EnableUser(val.id == obj.id && val.instanceName == obj.instanceName)";
        assert_eq!(context[key]["id"], "00u1");
        assert_eq!(entry.contents, context[key]);
    }
}
