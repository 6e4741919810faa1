//! SCIM user → Okta profile mapping.
//!
//! The SCIM-era commands (`create-user`, `update-user`, `get-user`, `enable-user`,
//! `disable-user`) receive a SCIM user as JSON. This module reads such a user and answers two
//! questions, with pure functions and no I/O:
//!
//! * which Okta user it refers to ([`user_locator`]: its `id`, else its `userName`);
//! * which Okta profile attributes it carries ([`okta_profile`]), optionally extended by a
//!   [`CustomMapping`] from the custom extension namespace ([`CUSTOM_EXTENSION`]).
//!
//! What the mapping sends: every mapped attribute that is present and not `null` in the SCIM
//! user, including `false`, `0` and `""` (an empty string clears an Okta field). Values are
//! passed through unchanged; Okta validates types and lengths. Unexpected shapes (`emails` not
//! an array, entries not objects, `name` not an object) contribute nothing instead of failing.
//!
//! What it does not do: it does not parse JSON text (callers pass parsed objects), it does not
//! default `login` to `email` (the create command decides that), it never puts the SCIM `id`
//! into the profile, and it does not filter attributes against Okta's profile schema.

use serde_json::{Map, Value};

/// The SCIM extension namespace that carries enterprise attributes.
pub const CUSTOM_EXTENSION: &str = "urn:scim:schemas:extension:custom:1.0:user";

/// SCIM `name` sub-attributes and the Okta profile attributes they map to, in output order.
const NAME_ATTRIBUTES: [(&str, &str); 5] = [
    ("givenName", "firstName"),
    ("familyName", "lastName"),
    ("middleName", "middleName"),
    ("honorificPrefix", "honorificPrefix"),
    ("honorificSuffix", "honorificSuffix"),
];

/// Top-level SCIM attributes that map to the Okta profile attribute of the same name.
const SAME_NAME_ATTRIBUTES: [&str; 8] = [
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
];

/// SCIM address sub-attributes and the Okta profile attributes they map to, in output order.
const ADDRESS_ATTRIBUTES: [(&str, &str); 5] = [
    ("streetAddress", "streetAddress"),
    ("locality", "city"),
    ("region", "state"),
    ("postalCode", "zipCode"),
    ("country", "countryCode"),
];

/// Extension attributes copied under the same name, before `costCenter`.
const EXTENSION_ATTRIBUTES: [&str; 4] =
    ["employeeNumber", "department", "division", "organization"];

/// How a SCIM user names the Okta user it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserLocator {
    /// The Okta user id, from the SCIM `id`.
    Id(String),
    /// The Okta login, from the SCIM `userName`.
    Login(String),
}

/// Finds the user reference in a SCIM user: `id` first, else `userName`.
///
/// An attribute that is absent or `null` counts as not given. When `id` is given, `userName` is
/// not consulted. Returns `Err(message)` naming the field when the attribute consulted is given
/// but is not a string with at least one non-whitespace character; `Ok(None)` when neither is
/// given. The string is returned as given (not trimmed).
pub fn user_locator(scim: &Map<String, Value>) -> Result<Option<UserLocator>, String> {
    if let Some(id) = given(scim, "id") {
        return non_blank_string("id", id).map(|id| Some(UserLocator::Id(id)));
    }
    if let Some(login) = given(scim, "userName") {
        return non_blank_string("userName", login).map(|login| Some(UserLocator::Login(login)));
    }
    Ok(None)
}

/// A validated custom mapping: extension attribute → Okta profile attribute.
///
/// The pairs keep the order of the object they were parsed from; they are applied in that
/// order, so when two extension attributes target the same Okta attribute the later one wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomMapping(Vec<(String, String)>);

impl CustomMapping {
    /// Parses a mapping given as a JSON object (already parsed).
    ///
    /// Each key names an attribute of the [`CUSTOM_EXTENSION`] object, each value the Okta
    /// profile attribute to write. Returns `Err(message)` when a key is empty (or only
    /// whitespace) or a value is not a non-empty string; the message names the offending key.
    pub fn from_object(obj: &Map<String, Value>) -> Result<CustomMapping, String> {
        let mut pairs = Vec::with_capacity(obj.len());
        for (extension_attribute, okta_attribute) in obj {
            if extension_attribute.trim().is_empty() {
                return Err("custom mapping has an empty extension attribute name".to_string());
            }
            match okta_attribute {
                Value::String(target) if !target.trim().is_empty() => {
                    pairs.push((extension_attribute.clone(), target.clone()));
                }
                other => {
                    return Err(format!(
                        "custom mapping for '{extension_attribute}' must name an Okta profile \
                         attribute as a non-empty string, got {}",
                        excerpt(other)
                    ));
                }
            }
        }
        Ok(CustomMapping(pairs))
    }

    /// The `(extension attribute, Okta profile attribute)` pairs, in application order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(from, to)| (from.as_str(), to.as_str()))
    }

    /// Whether the mapping has no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Maps a SCIM user to the Okta profile attributes it carries.
///
/// Attributes come out in a fixed order: `login`, the `name` parts, `email`, the same-named
/// top-level attributes, phones, address, extension attributes, then custom-mapped attributes.
/// A custom-mapped attribute that overrides a standard one keeps the standard position.
pub fn okta_profile(
    scim: &Map<String, Value>,
    custom: Option<&CustomMapping>,
) -> Map<String, Value> {
    let mut profile = Map::new();

    put(&mut profile, "login", given(scim, "userName"));
    if let Some(name) = given_object(scim, "name") {
        for (scim_attribute, okta_attribute) in NAME_ATTRIBUTES {
            put(&mut profile, okta_attribute, given(name, scim_attribute));
        }
    }
    let email = primary_or_first(given(scim, "emails"));
    put(
        &mut profile,
        "email",
        email.and_then(|entry| given(entry, "value")),
    );
    for attribute in SAME_NAME_ATTRIBUTES {
        put(&mut profile, attribute, given(scim, attribute));
    }

    map_phones(&mut profile, given(scim, "phoneNumbers"));
    if let Some(address) = primary_or_first(given(scim, "addresses")) {
        for (scim_attribute, okta_attribute) in ADDRESS_ATTRIBUTES {
            put(&mut profile, okta_attribute, given(address, scim_attribute));
        }
    }

    let extension = given_object(scim, CUSTOM_EXTENSION);
    if let Some(extension) = extension {
        map_extension(&mut profile, extension);
    }
    if let (Some(custom), Some(extension)) = (custom, extension) {
        for (extension_attribute, okta_attribute) in custom.pairs() {
            put(
                &mut profile,
                okta_attribute,
                given(extension, extension_attribute),
            );
        }
    }
    profile
}

/// Maps `phoneNumbers`: the first `mobile` entry → `mobilePhone`; the first `work` entry, else
/// the first entry whose type is not `mobile` → `primaryPhone`. Types compare ignoring ASCII
/// case, as SCIM canonical values are not case-exact.
fn map_phones(profile: &mut Map<String, Value>, phone_numbers: Option<&Value>) {
    let phones: Vec<&Map<String, Value>> = object_entries(phone_numbers).collect();

    let mobile = phones.iter().find(|phone| has_type(phone, "mobile"));
    put(
        profile,
        "mobilePhone",
        mobile.and_then(|phone| given(phone, "value")),
    );

    let primary = phones
        .iter()
        .find(|phone| has_type(phone, "work"))
        .or_else(|| phones.iter().find(|phone| !has_type(phone, "mobile")));
    put(
        profile,
        "primaryPhone",
        primary.and_then(|phone| given(phone, "value")),
    );
}

/// Whether a phone entry's `type` is `wanted`, ignoring ASCII case.
fn has_type(phone: &Map<String, Value>, wanted: &str) -> bool {
    matches!(given(phone, "type"), Some(Value::String(kind)) if kind.eq_ignore_ascii_case(wanted))
}

/// Maps the attributes of the [`CUSTOM_EXTENSION`] object that have a standard Okta home.
fn map_extension(profile: &mut Map<String, Value>, extension: &Map<String, Value>) {
    for attribute in EXTENSION_ATTRIBUTES {
        put(profile, attribute, given(extension, attribute));
    }
    let cost_center = given(extension, "costCenter").or_else(|| given(extension, "costcenter"));
    put(profile, "costCenter", cost_center);

    // SCIM enterprise style is `manager: {value: ...}`; a bare value is accepted as well.
    let manager = match given(extension, "manager") {
        Some(Value::Object(manager)) => given(manager, "value"),
        other => other,
    };
    put(profile, "manager", manager);
    put(profile, "managerId", given(extension, "managerId"));
}

/// The multi-valued entry marked `primary: true`, else the first entry. Entries that are not
/// objects are ignored; a value that is not an array yields nothing.
fn primary_or_first(entries: Option<&Value>) -> Option<&Map<String, Value>> {
    let is_primary = |entry: &&Map<String, Value>| entry.get("primary") == Some(&Value::Bool(true));
    object_entries(entries)
        .find(is_primary)
        .or_else(|| object_entries(entries).next())
}

/// The entries of a multi-valued attribute that are objects; nothing when it is not an array.
fn object_entries(entries: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    entries
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// The value of `attribute` when it is present and not `null`.
fn given<'a>(object: &'a Map<String, Value>, attribute: &str) -> Option<&'a Value> {
    object.get(attribute).filter(|value| !value.is_null())
}

/// The value of `attribute` when it is an object.
fn given_object<'a>(
    object: &'a Map<String, Value>,
    attribute: &str,
) -> Option<&'a Map<String, Value>> {
    object.get(attribute).and_then(Value::as_object)
}

/// Writes `value` to `profile[attribute]` when there is one.
fn put(profile: &mut Map<String, Value>, attribute: &str, value: Option<&Value>) {
    if let Some(value) = value {
        profile.insert(attribute.to_string(), value.clone());
    }
}

/// A value as JSON text, cut short for an error message.
fn excerpt(value: &Value) -> String {
    const LONGEST: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(LONGEST) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The string in `value`, or an error naming `field` when it is not a non-blank string.
fn non_blank_string(field: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Ok(text.clone()),
        other => Err(format!(
            "SCIM '{field}' must be a non-empty string, got {}",
            excerpt(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Turns a `json!` object literal into the map the functions take.
    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("test input must be an object, got {other}"),
        }
    }

    fn profile(scim: Value) -> Value {
        Value::Object(okta_profile(&object(scim), None))
    }

    fn profile_with(scim: Value, mapping: Value) -> Value {
        let mapping = CustomMapping::from_object(&object(mapping)).expect("valid test mapping");
        Value::Object(okta_profile(&object(scim), Some(&mapping)))
    }

    fn keys(profile: &Value) -> Vec<&str> {
        profile
            .as_object()
            .expect("profile is an object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn reference_create_example() {
        let scim = json!({
            "userName": "testdemisto2@paloaltonetworks.com",
            "name": {"familyName": "Test", "givenName": "Demisto"},
            "emails": [
                {"type": "work", "primary": true, "value": "testdemisto2@paloaltonetworks.com"}
            ]
        });
        let got = profile(scim);
        assert_eq!(
            got,
            json!({
                "login": "testdemisto2@paloaltonetworks.com",
                "firstName": "Demisto",
                "lastName": "Test",
                "email": "testdemisto2@paloaltonetworks.com"
            })
        );
        assert_eq!(keys(&got), ["login", "firstName", "lastName", "email"]);
    }

    #[test]
    fn reference_update_example() {
        assert_eq!(
            profile(json!({"name": {"givenName": "Demisto"}})),
            json!({"firstName": "Demisto"})
        );
    }

    #[test]
    fn all_name_parts_and_same_name_attributes() {
        let scim = json!({
            "timezone": "Europe/Paris",
            "locale": "fr_FR",
            "preferredLanguage": "fr",
            "userType": "Employee",
            "title": "Engineer",
            "profileUrl": "https://example.com/ada",
            "nickName": "Ada",
            "displayName": "Ada Lovelace",
            "name": {
                "honorificSuffix": "PhD",
                "honorificPrefix": "Dr.",
                "middleName": "King",
                "familyName": "Lovelace",
                "givenName": "Ada",
                "formatted": "ignored"
            },
            "userName": "ada@example.com"
        });
        let got = profile(scim);
        assert_eq!(
            keys(&got),
            [
                "login",
                "firstName",
                "lastName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix",
                "displayName",
                "nickName",
                "profileUrl",
                "title",
                "userType",
                "preferredLanguage",
                "locale",
                "timezone"
            ]
        );
        assert_eq!(got["middleName"], "King");
        assert_eq!(got["honorificPrefix"], "Dr.");
        assert_eq!(got["honorificSuffix"], "PhD");
        assert_eq!(got["profileUrl"], "https://example.com/ada");
    }

    #[test]
    fn email_primary_wins_over_first() {
        let scim = json!({"emails": [
            {"type": "home", "value": "home@example.com"},
            {"type": "work", "primary": true, "value": "work@example.com"}
        ]});
        assert_eq!(profile(scim), json!({"email": "work@example.com"}));
    }

    #[test]
    fn email_falls_back_to_first_entry() {
        let scim = json!({"emails": [
            {"type": "home", "primary": false, "value": "home@example.com"},
            {"type": "work", "value": "work@example.com"}
        ]});
        assert_eq!(profile(scim), json!({"email": "home@example.com"}));
    }

    #[test]
    fn email_primary_must_be_boolean_true() {
        let scim = json!({"emails": [
            {"value": "first@example.com"},
            {"primary": "true", "value": "string-primary@example.com"}
        ]});
        assert_eq!(profile(scim), json!({"email": "first@example.com"}));
    }

    #[test]
    fn email_chosen_entry_without_value_sends_nothing() {
        let scim = json!({"emails": [
            {"primary": true, "value": null},
            {"value": "other@example.com"}
        ]});
        assert_eq!(profile(scim), json!({}));
    }

    #[test]
    fn phones_mobile_and_work() {
        let scim = json!({"phoneNumbers": [
            {"type": "home", "value": "111"},
            {"type": "mobile", "value": "222"},
            {"type": "work", "value": "333"}
        ]});
        let got = profile(scim);
        assert_eq!(got, json!({"mobilePhone": "222", "primaryPhone": "333"}));
        assert_eq!(keys(&got), ["mobilePhone", "primaryPhone"]);
    }

    #[test]
    fn phones_primary_falls_back_to_first_non_mobile() {
        let scim = json!({"phoneNumbers": [
            {"type": "mobile", "value": "222"},
            {"type": "home", "value": "111"},
            {"type": "fax", "value": "444"}
        ]});
        assert_eq!(
            profile(scim),
            json!({"mobilePhone": "222", "primaryPhone": "111"})
        );
    }

    #[test]
    fn phones_untyped_entry_counts_as_non_mobile() {
        let scim = json!({"phoneNumbers": [{"value": "555"}]});
        assert_eq!(profile(scim), json!({"primaryPhone": "555"}));
    }

    #[test]
    fn phones_only_mobile_gives_no_primary() {
        let scim = json!({"phoneNumbers": [{"type": "mobile", "value": "222"}]});
        assert_eq!(profile(scim), json!({"mobilePhone": "222"}));
    }

    #[test]
    fn phones_types_ignore_case() {
        let scim = json!({"phoneNumbers": [
            {"type": "Home", "value": "111"},
            {"type": "WORK", "value": "333"},
            {"type": "Mobile", "value": "222"}
        ]});
        assert_eq!(
            profile(scim),
            json!({"mobilePhone": "222", "primaryPhone": "333"})
        );
    }

    #[test]
    fn address_primary_wins_over_first() {
        let scim = json!({"addresses": [
            {"streetAddress": "1 First St", "locality": "Firstville"},
            {
                "primary": true,
                "streetAddress": "2 Main St",
                "locality": "Springfield",
                "region": "IL",
                "postalCode": "62701",
                "country": "US",
                "formatted": "ignored"
            }
        ]});
        let got = profile(scim);
        assert_eq!(
            got,
            json!({
                "streetAddress": "2 Main St",
                "city": "Springfield",
                "state": "IL",
                "zipCode": "62701",
                "countryCode": "US"
            })
        );
        assert_eq!(
            keys(&got),
            ["streetAddress", "city", "state", "zipCode", "countryCode"]
        );
    }

    #[test]
    fn address_falls_back_to_first_entry() {
        let scim = json!({"addresses": [
            {"locality": "Firstville", "country": "FR"},
            {"locality": "Secondville"}
        ]});
        assert_eq!(
            profile(scim),
            json!({"city": "Firstville", "countryCode": "FR"})
        );
    }

    #[test]
    fn every_extension_attribute() {
        let scim = json!({CUSTOM_EXTENSION: {
            "managerId": "00u1",
            "manager": {"value": "Grace Hopper", "displayName": "ignored"},
            "costCenter": "CC-1",
            "organization": "Acme",
            "division": "R&D",
            "department": "Engineering",
            "employeeNumber": "42",
            "unmapped": "ignored"
        }});
        let got = profile(scim);
        assert_eq!(
            got,
            json!({
                "employeeNumber": "42",
                "department": "Engineering",
                "division": "R&D",
                "organization": "Acme",
                "costCenter": "CC-1",
                "manager": "Grace Hopper",
                "managerId": "00u1"
            })
        );
        assert_eq!(
            keys(&got),
            [
                "employeeNumber",
                "department",
                "division",
                "organization",
                "costCenter",
                "manager",
                "managerId"
            ]
        );
    }

    #[test]
    fn extension_lower_case_costcenter() {
        let scim = json!({CUSTOM_EXTENSION: {"costcenter": "cc-lower"}});
        assert_eq!(profile(scim), json!({"costCenter": "cc-lower"}));
    }

    #[test]
    fn extension_camel_case_cost_center_wins() {
        let scim = json!({CUSTOM_EXTENSION: {"costcenter": "cc-lower", "costCenter": "CC-CAMEL"}});
        assert_eq!(profile(scim), json!({"costCenter": "CC-CAMEL"}));
    }

    #[test]
    fn extension_null_cost_center_falls_back_to_lower_case() {
        let scim = json!({CUSTOM_EXTENSION: {"costCenter": null, "costcenter": "cc-lower"}});
        assert_eq!(profile(scim), json!({"costCenter": "cc-lower"}));
    }

    #[test]
    fn extension_manager_as_string() {
        let scim = json!({CUSTOM_EXTENSION: {"manager": "Grace Hopper"}});
        assert_eq!(profile(scim), json!({"manager": "Grace Hopper"}));
    }

    #[test]
    fn extension_manager_object_without_value_sends_nothing() {
        let scim = json!({CUSTOM_EXTENSION: {"manager": {"displayName": "Grace"}}});
        assert_eq!(profile(scim), json!({}));
        let scim = json!({CUSTOM_EXTENSION: {"manager": {"value": null}}});
        assert_eq!(profile(scim), json!({}));
    }

    #[test]
    fn false_zero_and_empty_string_are_sent_null_is_not() {
        let scim = json!({
            "userName": "",
            "title": false,
            "userType": 0,
            "displayName": null,
            "name": {"givenName": "", "familyName": null},
            CUSTOM_EXTENSION: {"department": "", "division": null, "employeeNumber": 0}
        });
        assert_eq!(
            profile(scim),
            json!({
                "login": "",
                "firstName": "",
                "title": false,
                "userType": 0,
                "employeeNumber": 0,
                "department": ""
            })
        );
    }

    #[test]
    fn non_scalar_values_pass_through() {
        let scim = json!({"title": {"en": "Engineer"}, "locale": ["en_US"]});
        assert_eq!(
            profile(scim),
            json!({"title": {"en": "Engineer"}, "locale": ["en_US"]})
        );
    }

    #[test]
    fn id_is_never_in_the_profile() {
        let scim = json!({"id": "00u123", "userName": "a@example.com"});
        assert_eq!(profile(scim), json!({"login": "a@example.com"}));
    }

    #[test]
    fn custom_mapping_overrides_in_place_and_adds_custom_targets() {
        let scim = json!({
            "userName": "a@example.com",
            "title": "Standard title",
            CUSTOM_EXTENSION: {"jobTitle": "Custom title", "badge": 7, "department": "Eng"}
        });
        let mapping = json!({"jobTitle": "title", "badge": "badgeNumber"});
        let got = profile_with(scim, mapping);
        assert_eq!(
            got,
            json!({
                "login": "a@example.com",
                "title": "Custom title",
                "department": "Eng",
                "badgeNumber": 7
            })
        );
        assert_eq!(keys(&got), ["login", "title", "department", "badgeNumber"]);
    }

    #[test]
    fn custom_mapping_can_read_standard_extension_attributes() {
        let scim = json!({CUSTOM_EXTENSION: {"department": "Eng"}});
        let got = profile_with(scim, json!({"department": "team"}));
        assert_eq!(got, json!({"department": "Eng", "team": "Eng"}));
    }

    #[test]
    fn custom_mapping_skips_missing_and_null_keeps_false_and_empty() {
        let scim = json!({CUSTOM_EXTENSION: {"gone": null, "flag": false, "blank": ""}});
        let mapping = json!({"gone": "a", "absent": "b", "flag": "c", "blank": "d"});
        assert_eq!(profile_with(scim, mapping), json!({"c": false, "d": ""}));
    }

    #[test]
    fn custom_mapping_later_pair_wins_for_same_target() {
        let scim = json!({CUSTOM_EXTENSION: {"first": 1, "second": 2}});
        let mapping = json!({"first": "target", "second": "target"});
        assert_eq!(profile_with(scim, mapping), json!({"target": 2}));
    }

    #[test]
    fn custom_mapping_without_extension_object_adds_nothing() {
        let scim = json!({"userName": "a@example.com", "jobTitle": "top-level is not read"});
        let got = profile_with(scim, json!({"jobTitle": "title"}));
        assert_eq!(got, json!({"login": "a@example.com"}));
    }

    #[test]
    fn custom_mapping_keeps_order_and_accepts_empty() {
        let mapping = CustomMapping::from_object(&object(json!({"b": "x", "a": "y"})))
            .expect("valid mapping");
        assert_eq!(
            mapping.pairs().collect::<Vec<_>>(),
            [("b", "x"), ("a", "y")]
        );
        let empty = CustomMapping::from_object(&Map::new()).expect("empty mapping is valid");
        assert!(empty.is_empty());
    }

    #[test]
    fn custom_mapping_rejects_invalid_values() {
        let cases = [
            ("empty target", json!({"dept": ""}), "'dept'"),
            ("blank target", json!({"dept": "  "}), "'dept'"),
            ("null target", json!({"dept": null}), "'dept'"),
            ("number target", json!({"dept": 3}), "'dept'"),
            (
                "object target",
                json!({"dept": {"to": "department"}}),
                "'dept'",
            ),
            ("array target", json!({"dept": ["department"]}), "'dept'"),
            (
                "empty key",
                json!({"": "department"}),
                "empty extension attribute",
            ),
        ];
        for (case, mapping, expected) in cases {
            let err = CustomMapping::from_object(&object(mapping))
                .expect_err(&format!("{case}: must be rejected"));
            assert!(
                err.contains(expected),
                "{case}: message {err:?} lacks {expected:?}"
            );
        }
    }

    #[test]
    fn locator_prefers_id() {
        let scim = object(json!({"id": "00u1", "userName": "a@example.com"}));
        assert_eq!(
            user_locator(&scim),
            Ok(Some(UserLocator::Id("00u1".to_string())))
        );
    }

    #[test]
    fn locator_falls_back_to_user_name() {
        let scim = object(json!({"id": null, "userName": "a@example.com"}));
        let expected = UserLocator::Login("a@example.com".to_string());
        assert_eq!(user_locator(&scim), Ok(Some(expected)));
    }

    #[test]
    fn locator_neither_given() {
        assert_eq!(user_locator(&Map::new()), Ok(None));
        let scim = object(json!({"id": null, "userName": null, "name": {"givenName": "x"}}));
        assert_eq!(user_locator(&scim), Ok(None));
    }

    #[test]
    fn locator_rejects_wrong_types_and_names_the_field() {
        let cases = [
            (
                "numeric id",
                json!({"id": 42, "userName": "a@example.com"}),
                "'id'",
            ),
            ("empty id", json!({"id": ""}), "'id'"),
            ("blank id", json!({"id": "  "}), "'id'"),
            ("object id", json!({"id": {"value": "00u1"}}), "'id'"),
            ("empty userName", json!({"userName": ""}), "'userName'"),
            ("boolean userName", json!({"userName": true}), "'userName'"),
            (
                "array userName",
                json!({"userName": ["a@example.com"]}),
                "'userName'",
            ),
        ];
        for (case, scim, expected) in cases {
            let err = user_locator(&object(scim)).expect_err(&format!("{case}: must be rejected"));
            assert!(
                err.contains(expected),
                "{case}: message {err:?} lacks {expected:?}"
            );
        }
    }

    #[test]
    fn hostile_shapes_contribute_nothing() {
        let scim = json!({
            "name": "Ada Lovelace",
            "emails": "ada@example.com",
            "phoneNumbers": {"type": "mobile", "value": "222"},
            "addresses": [null, 7, "street", []],
            CUSTOM_EXTENSION: ["department"]
        });
        let mapping = json!({"department": "team"});
        assert_eq!(profile_with(scim, mapping), json!({}));
    }

    #[test]
    fn non_object_entries_are_skipped() {
        let scim = json!({
            "emails": [null, "x@example.com", {"value": "real@example.com"}],
            "phoneNumbers": [1, {"type": 5, "value": "999"}]
        });
        assert_eq!(
            profile(scim),
            json!({"email": "real@example.com", "primaryPhone": "999"})
        );
    }
}
