//! XSOAR `tableToMarkdown`-compatible rendering of command results for the war room.
//!
//! What it does: turns rows of JSON objects into the markdown table text XSOAR shows as
//! "Human Readable Output" (`### title`, header row, `---` separator, one line per row), with
//! optional dropping of all-empty columns, XSOAR's cell formatting (nested objects as one
//! `key: value` line per entry) and minimal cell escaping (line breaks become
//! [`CELL_LINE_BREAK`], `|` becomes `\|`). It also provides [`python_json`], which serialises JSON
//! exactly like Python's `json.dumps(value, ensure_ascii=False)`.
//!
//! What it does not do: no I/O, no header transforms (header names are printed as given), no
//! escaping of titles, header names or markdown syntax other than `|` and line breaks, and no
//! Python-`repr` rendering of lists: arrays are always written as JSON (a deliberate choice of
//! this crate, where XSOAR would print Python reprs such as `{'k': True}`).

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};
use serde_json::{Map, Value};
use std::io;

/// Line break written inside a table cell (the reference docs show `<br/>`).
///
/// The live XSOAR runtime writes `<br>`; the README examples we treat as the contract were
/// rewritten to `<br/>` by the documentation generator. This is the single switch between them.
pub const CELL_LINE_BREAK: &str = "<br/>";

/// Text written after the title when there is nothing to show.
pub const NO_ENTRIES: &str = "**No entries.**";

/// Renders rows as an XSOAR markdown table with a `### title` heading.
///
/// * `title`: written as `### title` on its own line when non-empty (not escaped).
/// * `rows`: one object per table row; a missing or null value gives an empty cell.
/// * `headers`: the columns in order; when empty, the first row's keys sorted.
/// * `remove_null`: drop every column whose value is missing, null, `""`, `[]` or `{}` in all
///   rows (`false` and `0` count as values).
///
/// With no rows, or no columns left, the table is replaced by `**No entries.**`.
/// The output always ends with a newline.
pub fn table_to_markdown(
    title: &str,
    rows: &[&Map<String, Value>],
    headers: &[&str],
    remove_null: bool,
) -> String {
    let mut out = String::new();
    if !title.is_empty() {
        out.push_str("### ");
        out.push_str(title);
        out.push('\n');
    }

    let mut columns: Vec<&str> = if headers.is_empty() {
        let mut keys: Vec<&str> = rows
            .first()
            .map(|row| row.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    } else {
        headers.to_vec()
    };
    if remove_null {
        columns.retain(|column| rows.iter().any(|row| !is_empty_value(row.get(*column))));
    }

    if rows.is_empty() || columns.is_empty() {
        out.push_str(NO_ENTRIES);
        out.push('\n');
        return out;
    }

    out.push('|');
    for column in &columns {
        out.push_str(column);
        out.push('|');
    }
    out.push('\n');

    out.push('|');
    for _ in &columns {
        out.push_str("---|");
    }
    out.push('\n');

    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| escape_cell(&format_cell(row.get(*column))))
            .collect();
        out.push_str("| ");
        out.push_str(&cells.join(" | "));
        out.push_str(" |\n");
    }
    out
}

/// Serialises a JSON value the way Python's json.dumps does by default with ensure_ascii=False:
/// separators ", " and ": ", key order kept.
///
/// Strings are escaped as both libraries do (`\"`, `\\`, `\n`, `\u0001`, ...), non-ASCII text is
/// written as is, and numbers are written as serde_json prints them (`1.0` stays `1.0`).
pub fn python_json(value: &Value) -> String {
    let mut buf = Vec::new();
    let mut serializer = Serializer::with_formatter(&mut buf, PythonFormatter);
    // Invariant: serialising a `Value` (string keys only) into a `Vec<u8>` cannot fail, and
    // serde_json only ever writes UTF-8. The fallbacks below keep this function panic-free.
    if value.serialize(&mut serializer).is_err() {
        return value.to_string();
    }
    String::from_utf8(buf).unwrap_or_else(|_| value.to_string())
}

/// Formats one table cell before escaping, following XSOAR's rules.
///
/// Missing or null ⇒ empty; string ⇒ as is; bool/number ⇒ JSON text; array ⇒ [`python_json`];
/// object ⇒ one `key: value` line per entry in insertion order, where a string value is written
/// as is and any other value as [`python_json`].
pub fn format_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(Value::Number(number)) => number.to_string(),
        Some(array @ Value::Array(_)) => python_json(array),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, inner)| match inner {
                Value::String(text) => format!("{key}: {text}"),
                other => format!("{key}: {}", python_json(other)),
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Escapes cell text: `\r\n`, `\r` and `\n` become [`CELL_LINE_BREAK`], `|` becomes `\|`.
pub fn escape_cell(text: &str) -> String {
    text.replace("\r\n", CELL_LINE_BREAK)
        .replace(['\r', '\n'], CELL_LINE_BREAK)
        .replace('|', "\\|")
}

/// True when a value counts as empty for `remove_null`: missing, null, `""`, `[]` or `{}`.
fn is_empty_value(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(map)) => map.is_empty(),
        Some(Value::Bool(_) | Value::Number(_)) => false,
    }
}

/// serde_json formatter reproducing Python's default `json.dumps` separators (`", "`, `": "`).
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W>(&mut self, writer: &mut W, first: bool) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W>(&mut self, writer: &mut W, first: bool) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        writer.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The ten SCIM-era output keys, in the order the integration emits them.
    const SCIM_HEADERS: [&str; 10] = [
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

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("test fixture is not an object: {other}"),
        }
    }

    /// The Okta user of the reference "Create Okta User" example, keys in the order its
    /// human-readable table shows them (hosts of the `_links` exactly as in the reference).
    fn created_okta_user() -> Value {
        let user = "https://panw-test.oktapreview.com/api/v1/users/00utje4cim5v5jyTf0h7";
        let meta = "https://panw-test.oktapreview.com/api/v1/meta";
        json!({
            "id": "00utje4cim5v5jyTf0h7",
            "status": "PROVISIONED",
            "created": "2020-08-24T15:04:16.000Z",
            "activated": "2020-08-24T15:04:16.000Z",
            "statusChanged": "2020-08-24T15:04:16.000Z",
            "lastLogin": null,
            "lastUpdated": "2020-08-24T15:04:16.000Z",
            "passwordChanged": null,
            "type": {"id": "oty8zfz6plq7b0r830h7"},
            "profile": {
                "firstName": "Demisto",
                "lastName": "Test",
                "mobilePhone": null,
                "secondEmail": null,
                "login": "testdemisto2@paloaltonetworks.com",
                "email": "testdemisto2@paloaltonetworks.com"
            },
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {
                "suspend": {
                    "href": "https://test.com/api/v1/users/00utje4cim5v5jyTf0h7/lifecycle/suspend",
                    "method": "POST"
                },
                "schema": {"href": format!("{meta}/schemas/user/osc8zfz6plq7b0r830h7")},
                "resetPassword": {
                    "href": format!("{user}/lifecycle/reset_password"),
                    "method": "POST"
                },
                "reactivate": {"href": format!("{user}/lifecycle/reactivate"), "method": "POST"},
                "self": {"href": user},
                "type": {"href": format!("{meta}/types/user/oty8zfz6plq7b0r830h7")},
                "deactivate": {"href": format!("{user}/lifecycle/deactivate"), "method": "POST"}
            }
        })
    }

    #[test]
    fn create_okta_user_table_matches_reference() {
        let row = object(json!({
            "brand": "Okta IT Admin",
            "instanceName": "OktaITAdmin",
            "success": true,
            "active": true,
            "id": "00utje4cim5v5jyTf0h7",
            "username": "testdemisto2@paloaltonetworks.com",
            "email": "testdemisto2@paloaltonetworks.com",
            "errorCode": null,
            "errorMessage": null,
            "details": created_okta_user()
        }));
        let expected = concat!(
            "### Create Okta User:\n",
            "|brand|instanceName|success|active|id|username|email|details|\n",
            "|---|---|---|---|---|---|---|---|\n",
            "| Okta IT Admin | OktaITAdmin | true | true | 00utje4cim5v5jyTf0h7 | ",
            "testdemisto2@paloaltonetworks.com | testdemisto2@paloaltonetworks.com | ",
            "id: 00utje4cim5v5jyTf0h7<br/>status: PROVISIONED<br/>",
            "created: 2020-08-24T15:04:16.000Z<br/>activated: 2020-08-24T15:04:16.000Z<br/>",
            "statusChanged: 2020-08-24T15:04:16.000Z<br/>lastLogin: null<br/>",
            "lastUpdated: 2020-08-24T15:04:16.000Z<br/>passwordChanged: null<br/>",
            "type: {\"id\": \"oty8zfz6plq7b0r830h7\"}<br/>",
            "profile: {\"firstName\": \"Demisto\", \"lastName\": \"Test\", ",
            "\"mobilePhone\": null, \"secondEmail\": null, ",
            "\"login\": \"testdemisto2@paloaltonetworks.com\", ",
            "\"email\": \"testdemisto2@paloaltonetworks.com\"}<br/>",
            "credentials: {\"provider\": {\"type\": \"OKTA\", \"name\": \"OKTA\"}}<br/>",
            "_links: {\"suspend\": {\"href\": ",
            "\"https://test.com/api/v1/users/00utje4cim5v5jyTf0h7/lifecycle/suspend\", ",
            "\"method\": \"POST\"}, \"schema\": {\"href\": ",
            "\"https://panw-test.oktapreview.com/api/v1/meta/schemas/user/osc8zfz6plq7b0r830h7\"}",
            ", \"resetPassword\": {\"href\": ",
            "\"https://panw-test.oktapreview.com/api/v1/users/00utje4cim5v5jyTf0h7",
            "/lifecycle/reset_password\", \"method\": \"POST\"}, \"reactivate\": {\"href\": ",
            "\"https://panw-test.oktapreview.com/api/v1/users/00utje4cim5v5jyTf0h7",
            "/lifecycle/reactivate\", \"method\": \"POST\"}, \"self\": {\"href\": ",
            "\"https://panw-test.oktapreview.com/api/v1/users/00utje4cim5v5jyTf0h7\"}, ",
            "\"type\": {\"href\": ",
            "\"https://panw-test.oktapreview.com/api/v1/meta/types/user/oty8zfz6plq7b0r830h7\"}",
            ", \"deactivate\": {\"href\": ",
            "\"https://panw-test.oktapreview.com/api/v1/users/00utje4cim5v5jyTf0h7",
            "/lifecycle/deactivate\", \"method\": \"POST\"}} |\n",
        );
        assert_eq!(
            table_to_markdown("Create Okta User:", &[&row], &SCIM_HEADERS, true),
            expected
        );
    }

    #[test]
    fn enable_and_disable_tables_match_reference() {
        let enabled = object(json!({
            "brand": "Okta IT Admin",
            "instanceName": "OktaITAdmin",
            "success": true,
            "active": true,
            "id": "00utiigb9kCWr4rzE0h7",
            "username": null,
            "email": null,
            "errorCode": null,
            "errorMessage": null,
            "details": null
        }));
        assert_eq!(
            table_to_markdown("Enable Okta User:", &[&enabled], &SCIM_HEADERS, true),
            "### Enable Okta User:\n\
             |brand|instanceName|success|active|id|\n\
             |---|---|---|---|---|\n\
             | Okta IT Admin | OktaITAdmin | true | true | 00utiigb9kCWr4rzE0h7 |\n"
        );

        // `active: false` is a value, so the column stays.
        let mut disabled = enabled.clone();
        disabled.insert("active".to_owned(), json!(false));
        assert_eq!(
            table_to_markdown("Disable Okta User:", &[&disabled], &SCIM_HEADERS, true),
            "### Disable Okta User:\n\
             |brand|instanceName|success|active|id|\n\
             |---|---|---|---|---|\n\
             | Okta IT Admin | OktaITAdmin | true | false | 00utiigb9kCWr4rzE0h7 |\n"
        );
    }

    #[test]
    fn app_assignment_table_matches_reference() {
        let row = object(json!({"success": true, "id": "00utiigb9kCWr4rzE0h7"}));
        assert_eq!(
            table_to_markdown(
                "Okta User App Assignment:",
                &[&row],
                &["success", "id"],
                false
            ),
            "### Okta User App Assignment:\n|success|id|\n|---|---|\n\
             | true | 00utiigb9kCWr4rzE0h7 |\n"
        );
    }

    #[test]
    fn no_rows_gives_no_entries() {
        assert_eq!(
            table_to_markdown("Users", &[], &["a", "b"], false),
            "### Users\n**No entries.**\n"
        );
        assert_eq!(
            table_to_markdown("Users", &[], &[], true),
            "### Users\n**No entries.**\n"
        );
        assert_eq!(table_to_markdown("", &[], &[], false), "**No entries.**\n");
    }

    #[test]
    fn no_columns_left_gives_no_entries() {
        let row = object(json!({"a": null, "b": "", "c": [], "d": {}}));
        assert_eq!(
            table_to_markdown("T", &[&row], &["a", "b", "c", "d", "missing"], true),
            "### T\n**No entries.**\n"
        );
        let empty = Map::new();
        assert_eq!(
            table_to_markdown("T", &[&empty], &[], false),
            "### T\n**No entries.**\n"
        );
    }

    #[test]
    fn empty_title_writes_no_heading() {
        let row = object(json!({"tempPassword": "cAn5N3gx"}));
        assert_eq!(
            table_to_markdown("", &[&row], &["tempPassword"], false),
            "|tempPassword|\n|---|\n| cAn5N3gx |\n"
        );
    }

    #[test]
    fn expired_password_table_matches_reference_shape() {
        let row = object(json!({"tempPassword": "cAn5N3gx"}));
        assert_eq!(
            table_to_markdown("Okta Temporary Password", &[&row], &["tempPassword"], false),
            "### Okta Temporary Password\n|tempPassword|\n|---|\n| cAn5N3gx |\n"
        );
    }

    #[test]
    fn pipes_and_line_breaks_are_escaped() {
        let row = object(json!({
            "text": "a|b\r\nc\rd\ne",
            "details": {"msg": "x\ny", "obj": {"p": "a|b\nc"}}
        }));
        // A newline inside a JSON string is written as the two characters `\n`, so only the
        // raw newlines (and the ones joining the object's lines) become line breaks.
        assert_eq!(
            table_to_markdown("T", &[&row], &["text", "details"], false),
            "### T\n|text|details|\n|---|---|\n\
             | a\\|b<br/>c<br/>d<br/>e | msg: x<br/>y<br/>obj: {\"p\": \"a\\|b\\nc\"} |\n"
        );
    }

    #[test]
    fn title_and_headers_are_not_escaped() {
        let row = object(json!({"a|b": 1}));
        assert_eq!(
            table_to_markdown("x|y *z*", &[&row], &["a|b"], false),
            "### x|y *z*\n|a|b|\n|---|\n| 1 |\n"
        );
    }

    #[test]
    fn remove_null_keeps_false_and_zero_but_drops_empty_values() {
        let row = object(json!({
            "f": false,
            "z": 0,
            "s": "",
            "l": [],
            "o": {},
            "n": null,
            "keep": "k"
        }));
        let headers = ["f", "z", "s", "l", "o", "n", "absent", "keep"];
        assert_eq!(
            table_to_markdown("T", &[&row], &headers, true),
            "### T\n|f|z|keep|\n|---|---|---|\n| false | 0 | k |\n"
        );
        // Without remove_null every column stays; empty values give empty-looking cells.
        assert_eq!(
            table_to_markdown("T", &[&row], &headers, false),
            "### T\n|f|z|s|l|o|n|absent|keep|\n|---|---|---|---|---|---|---|---|\n\
             | false | 0 |  | [] |  |  |  | k |\n"
        );
    }

    #[test]
    fn remove_null_keeps_a_column_with_a_value_in_any_row() {
        let first = object(json!({"a": "1", "b": null}));
        let second = object(json!({"a": "2", "b": "x"}));
        let third = object(json!({"a": "3"}));
        assert_eq!(
            table_to_markdown("T", &[&first, &second, &third], &["a", "b"], true),
            "### T\n|a|b|\n|---|---|\n| 1 |  |\n| 2 | x |\n| 3 |  |\n"
        );
    }

    #[test]
    fn headers_default_to_sorted_keys_of_first_row() {
        let first = object(json!({"b": 2, "a": 1, "C": 3}));
        let second = object(json!({"extra": "ignored", "a": 4}));
        assert_eq!(
            table_to_markdown("T", &[&first, &second], &[], false),
            "### T\n|C|a|b|\n|---|---|---|\n| 3 | 1 | 2 |\n|  | 4 |  |\n"
        );
    }

    #[test]
    fn given_headers_keep_their_order() {
        let row = object(json!({"a": 1, "b": 2, "c": 3}));
        assert_eq!(
            table_to_markdown("T", &[&row], &["c", "a"], false),
            "### T\n|c|a|\n|---|---|\n| 3 | 1 |\n"
        );
    }

    #[test]
    fn scalar_cells_use_json_text() {
        let row = object(json!({"code": 404, "ratio": 1.5, "whole": 1.0, "neg": -7, "ok": true}));
        assert_eq!(
            table_to_markdown(
                "T",
                &[&row],
                &["code", "ratio", "whole", "neg", "ok"],
                false
            ),
            "### T\n|code|ratio|whole|neg|ok|\n|---|---|---|---|---|\n\
             | 404 | 1.5 | 1.0 | -7 | true |\n"
        );
    }

    #[test]
    fn array_cells_are_json() {
        let row = object(json!({
            "list": ["a", "b"],
            "objects": [{"k": true, "n": null}]
        }));
        assert_eq!(
            table_to_markdown("T", &[&row], &["list", "objects"], false),
            "### T\n|list|objects|\n|---|---|\n| [\"a\", \"b\"] | [{\"k\": true, \"n\": null}] |\n"
        );
    }

    #[test]
    fn dict_cell_with_empty_and_nested_lists() {
        let row = object(json!({
            "details": {
                "errorCode": "E0000007",
                "errorCauses": [],
                "matrix": [[1, 2], ["x"], []],
                "causes": [{"errorSummary": "x"}],
                "flag": false,
                "count": 0,
                "empty": {},
                "blank": ""
            }
        }));
        assert_eq!(
            format_cell(row.get("details")),
            "errorCode: E0000007\nerrorCauses: []\nmatrix: [[1, 2], [\"x\"], []]\n\
             causes: [{\"errorSummary\": \"x\"}]\nflag: false\ncount: 0\nempty: {}\nblank: "
        );
        assert_eq!(
            table_to_markdown("T", &[&row], &["details"], true),
            "### T\n|details|\n|---|\n\
             | errorCode: E0000007<br/>errorCauses: []<br/>matrix: [[1, 2], [\"x\"], []]<br/>\
             causes: [{\"errorSummary\": \"x\"}]<br/>flag: false<br/>count: 0<br/>empty: {}<br/>\
             blank:  |\n"
        );
    }

    #[test]
    fn format_cell_of_missing_and_null_is_empty() {
        assert_eq!(format_cell(None), "");
        assert_eq!(format_cell(Some(&Value::Null)), "");
        assert_eq!(
            format_cell(Some(&json!("as is: {\"x\"}"))),
            "as is: {\"x\"}"
        );
    }

    #[test]
    fn escape_cell_rules() {
        assert_eq!(escape_cell("a\r\nb"), "a<br/>b");
        assert_eq!(escape_cell("a\n\rb"), "a<br/><br/>b");
        assert_eq!(escape_cell("a\r\r\nb"), "a<br/><br/>b");
        assert_eq!(escape_cell("||"), "\\|\\|");
        assert_eq!(escape_cell("*_`<>&\\"), "*_`<>&\\");
    }

    #[test]
    fn python_json_scalars() {
        assert_eq!(python_json(&Value::Null), "null");
        assert_eq!(python_json(&json!(true)), "true");
        assert_eq!(python_json(&json!(false)), "false");
        assert_eq!(python_json(&json!(404)), "404");
        assert_eq!(python_json(&json!(-3)), "-3");
        assert_eq!(python_json(&json!(1.0)), "1.0");
        assert_eq!(python_json(&json!(0.5)), "0.5");
        assert_eq!(python_json(&json!("plain")), "\"plain\"");
    }

    #[test]
    fn python_json_nested_objects_and_arrays() {
        let value = json!({
            "z": 1,
            "a": [1, 2.5, {"b": null, "c": [true, false]}],
            "empty_list": [],
            "empty_object": {},
            "nested": {"x": {"y": {"z": "deep"}}}
        });
        assert_eq!(
            python_json(&value),
            "{\"z\": 1, \"a\": [1, 2.5, {\"b\": null, \"c\": [true, false]}], \
             \"empty_list\": [], \"empty_object\": {}, \
             \"nested\": {\"x\": {\"y\": {\"z\": \"deep\"}}}}"
        );
        assert_eq!(
            python_json(&json!([[], [[]], [1, [2, [3]]]])),
            "[[], [[]], [1, [2, [3]]]]"
        );
    }

    #[test]
    fn python_json_keeps_unicode_and_escapes_like_python() {
        assert_eq!(
            python_json(&json!({"名前": "Jürgen 日本 😀", "é": ["ß"]})),
            "{\"名前\": \"Jürgen 日本 😀\", \"é\": [\"ß\"]}"
        );
        // json.dumps('q"\\\n\t\r\b\f\x01\x7f/', ensure_ascii=False)
        assert_eq!(
            python_json(&json!("q\"\\\n\t\r\u{8}\u{c}\u{1}\u{7f}/")),
            "\"q\\\"\\\\\\n\\t\\r\\b\\f\\u0001\u{7f}/\""
        );
    }
}
