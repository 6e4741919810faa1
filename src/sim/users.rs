//! Users: the store, lookup by ID, login or shortname, listing with `search`/`filter`/`q` and
//! pagination, create/update/replace/delete, and the lifecycle state machine.

use serde_json::{Map, Value, json};

use super::errors::OktaError;
use super::http::{ApiRequest, Reply};
use super::query::{self, Expr, Literal, Operator};
use super::state::SimState;
use super::{ids, time};

/// User type ID given to users created without `type.id`.
pub const DEFAULT_USER_TYPE_ID: &str = "oty8zfz6plq7b0r830h7";

/// Largest page size, and the default without `q`.
const MAX_PAGE: usize = 200;
/// Default page size with `q`.
const DEFAULT_Q_PAGE: usize = 10;

/// Okta's key order for user objects; used when the simulator adds a missing key.
const KEY_ORDER: [&str; 14] = [
    "id",
    "status",
    "created",
    "activated",
    "statusChanged",
    "lastLogin",
    "lastUpdated",
    "passwordChanged",
    "type",
    "transitioningToStatus",
    "profile",
    "credentials",
    "_embedded",
    "_links",
];

/// Attributes `filter` accepts.
const FILTER_ATTRIBUTES: [&str; 7] = [
    "status",
    "lastUpdated",
    "id",
    "profile.login",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
];

/// Top-level attributes `search` accepts besides `profile.*`.
const SEARCH_ATTRIBUTES: [&str; 9] = [
    "id",
    "status",
    "created",
    "activated",
    "statusChanged",
    "lastUpdated",
    "lastLogin",
    "passwordChanged",
    "type.id",
];

/// Attributes on which `search` allows `co`.
const CONTAINS_ATTRIBUTES: [&str; 4] = [
    "profile.firstName",
    "profile.lastName",
    "profile.email",
    "profile.login",
];

/// A user object as stored (never with password values).
pub type User = Map<String, Value>;

/// All users, in seed then creation order.
#[derive(Debug, Default)]
pub struct UserStore {
    users: Vec<User>,
}

impl UserStore {
    /// Adds a seeded user as given; an ID is generated when missing. Returns the ID.
    pub fn insert_seeded(&mut self, user: Value) -> anyhow::Result<String> {
        let Value::Object(mut user) = user else {
            anyhow::bail!("a seeded user must be a JSON object");
        };
        let id = match user.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => {
                let id = ids::user_id();
                set_ordered(&mut user, "id", Value::String(id.clone()));
                id
            }
        };
        if self.by_id(&id).is_some() {
            anyhow::bail!("duplicate seeded user id {id}");
        }
        self.users.push(user);
        Ok(id)
    }

    /// Every user.
    pub fn all(&self) -> &[User] {
        &self.users
    }

    /// The user with exactly this ID.
    pub fn by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|user| id_of(user) == id)
    }

    /// Resolves an ID, a login (case-insensitive) or an unambiguous login shortname.
    pub fn find_index(&self, key: &str) -> Option<usize> {
        if let Some(index) = self.users.iter().position(|user| id_of(user) == key) {
            return Some(index);
        }
        let key = key.to_lowercase();
        if let Some(index) = self
            .users
            .iter()
            .position(|user| login_of(user).to_lowercase() == key)
        {
            return Some(index);
        }
        let mut by_shortname = self.users.iter().enumerate().filter(|(_, user)| {
            let login = login_of(user).to_lowercase();
            login.split_once('@').is_some_and(|(short, _)| short == key)
        });
        match (by_shortname.next(), by_shortname.next()) {
            (Some((index, _)), None) => Some(index),
            _ => None,
        }
    }

    fn login_taken(&self, login: &str, except_id: Option<&str>) -> bool {
        let login = login.to_lowercase();
        self.users
            .iter()
            .any(|user| Some(id_of(user)) != except_id && login_of(user).to_lowercase() == login)
    }
}

fn id_of(user: &User) -> &str {
    user.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// The user's `status`.
pub fn status_of(user: &User) -> &str {
    user.get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The user's `profile.login`.
pub fn login_of(user: &User) -> &str {
    user.get("profile")
        .and_then(|p| p.get("login"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn has_password(user: &User) -> bool {
    user.get("credentials")
        .and_then(|c| c.get("password"))
        .is_some_and(Value::is_object)
}

/// Sets `key`, keeping its position if present and otherwise inserting it where Okta's key
/// order puts it.
fn set_ordered(user: &mut User, key: &str, value: Value) {
    if let Some(slot) = user.get_mut(key) {
        *slot = value;
        return;
    }
    let rank = |name: &str| {
        KEY_ORDER
            .iter()
            .position(|k| *k == name)
            .unwrap_or(KEY_ORDER.len())
    };
    let own_rank = rank(key);
    match user.keys().position(|existing| rank(existing) > own_rank) {
        Some(index) => {
            user.shift_insert(index, key.to_string(), value);
        }
        None => {
            user.insert(key.to_string(), value);
        }
    }
}

fn lifecycle_link(self_href: &str, operation: &str) -> Value {
    json!({ "href": format!("{self_href}/lifecycle/{operation}"), "method": "POST" })
}

/// The status-dependent `_links` of a single user.
fn user_links(user: &User, base_url: &str) -> Value {
    let id = id_of(user);
    let self_href = format!("{base_url}/api/v1/users/{id}");
    let operations: &[(&str, &str)] = match status_of(user) {
        "STAGED" => &[("activate", "activate"), ("deactivate", "deactivate")],
        "PROVISIONED" | "RECOVERY" => &[
            ("reactivate", "reactivate"),
            ("resetPassword", "reset_password"),
            ("deactivate", "deactivate"),
        ],
        "ACTIVE" => &[
            ("suspend", "suspend"),
            ("resetPassword", "reset_password"),
            ("expirePassword", "expire_password"),
            ("deactivate", "deactivate"),
        ],
        "SUSPENDED" => &[
            ("unsuspend", "unsuspend"),
            ("resetPassword", "reset_password"),
            ("deactivate", "deactivate"),
        ],
        "LOCKED_OUT" => &[
            ("unlock", "unlock"),
            ("resetPassword", "reset_password"),
            ("deactivate", "deactivate"),
        ],
        "PASSWORD_EXPIRED" => &[
            ("resetPassword", "reset_password"),
            ("deactivate", "deactivate"),
        ],
        "DEPROVISIONED" => &[("activate", "activate")],
        _ => &[],
    };
    let mut links = Map::new();
    for (rel, operation) in operations {
        links.insert(rel.to_string(), lifecycle_link(&self_href, operation));
    }
    let type_id = user
        .get("type")
        .and_then(|t| t.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_USER_TYPE_ID);
    let schema_id = format!("osc{}", type_id.get(3..).unwrap_or(type_id));
    links.insert(
        "schema".to_string(),
        json!({ "href": format!("{base_url}/api/v1/meta/schemas/user/{schema_id}") }),
    );
    links.insert("self".to_string(), json!({ "href": self_href }));
    links.insert(
        "type".to_string(),
        json!({ "href": format!("{base_url}/api/v1/meta/types/user/{type_id}") }),
    );
    Value::Object(links)
}

/// A user as returned on its own: with the full, status-dependent `_links`.
pub fn single_view(user: &User, base_url: &str) -> Value {
    let mut view = user.clone();
    set_ordered(&mut view, "_links", user_links(user, base_url));
    Value::Object(view)
}

/// A user as returned in a collection: `_links` holds only `self`.
pub fn collection_view(user: &User, base_url: &str) -> Value {
    let mut view = user.clone();
    let self_href = format!("{base_url}/api/v1/users/{}", id_of(user));
    set_ordered(
        &mut view,
        "_links",
        json!({ "self": { "href": self_href } }),
    );
    Value::Object(view)
}

fn decode_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn resolve(state: &SimState, raw_key: &str) -> Result<usize, OktaError> {
    let key = decode_segment(raw_key);
    let key = if key == "me" {
        state.me_id.clone()
    } else {
        key
    };
    state
        .users
        .find_index(&key)
        .ok_or_else(|| OktaError::not_found(&key, "User"))
}

/// `GET /api/v1/users/{idOrLogin}` (also `me`).
pub fn get(request: &ApiRequest, state: &SimState, raw_key: &str) -> Result<Reply, OktaError> {
    let index = resolve(state, raw_key)?;
    Ok(Reply::json(
        200,
        &single_view(&state.users.users[index], &request.base_url),
    ))
}

fn check_search(expr: &Expr) -> Result<(), OktaError> {
    expr.check_comparisons(&mut |attribute, operator, _literal: &Literal| {
        let known = attribute.starts_with("profile.") || SEARCH_ATTRIBUTES.contains(&attribute);
        let contains_ok = operator != Operator::Co || CONTAINS_ATTRIBUTES.contains(&attribute);
        if known && contains_ok {
            Ok(())
        } else {
            Err(OktaError::invalid_search())
        }
    })
}

fn check_filter(expr: &Expr) -> Result<(), OktaError> {
    expr.check_comparisons(&mut |attribute, operator, _literal: &Literal| {
        let known = FILTER_ATTRIBUTES.contains(&attribute);
        let operator_ok = operator == Operator::Eq
            || (attribute == "lastUpdated"
                && matches!(
                    operator,
                    Operator::Gt | Operator::Ge | Operator::Lt | Operator::Le
                ));
        if known && operator_ok {
            Ok(())
        } else {
            Err(OktaError::invalid_search())
        }
    })
}

fn parse_expression(text: &str) -> Result<Expr, OktaError> {
    query::parse(text).map_err(|_| OktaError::invalid_search())
}

fn q_matches(user: &User, q: &str) -> bool {
    let q = q.to_lowercase();
    ["firstName", "lastName", "email"].iter().any(|key| {
        user.get("profile")
            .and_then(|p| p.get(*key))
            .and_then(Value::as_str)
            .is_some_and(|value| value.to_lowercase().starts_with(&q))
    })
}

/// `GET /api/v1/users` with `search`, `filter`, `q`, `limit`, `after`, `sortBy`, `sortOrder`.
pub fn list(request: &ApiRequest, state: &SimState) -> Result<Reply, OktaError> {
    let search = request.param("search").filter(|s| !s.trim().is_empty());
    let filter = request.param("filter").filter(|s| !s.trim().is_empty());
    let q = request.param("q");
    if search.is_some() && filter.is_some() {
        return Err(OktaError::new(
            400,
            "E0000033",
            "Bad request. Can't specify a search query and filter in the same request.",
        ));
    }
    let default_limit = if q.is_some() {
        DEFAULT_Q_PAGE
    } else {
        MAX_PAGE
    };
    let limit = match request.param("limit") {
        None => default_limit,
        Some(text) => match text.parse::<i64>() {
            Ok(limit) if limit > 0 => (limit as usize).min(MAX_PAGE),
            Ok(_) => default_limit,
            Err(_) => {
                return Err(OktaError::validation(
                    "limit",
                    "limit: The limit must be a number",
                ));
            }
        },
    };
    let users = state.users.all();
    let mut selected: Vec<&User> = if let Some(search) = search {
        let expr = parse_expression(search)?;
        check_search(&expr)?;
        users
            .iter()
            .filter(|u| expr.matches(&Value::Object((*u).clone()), true))
            .collect()
    } else if let Some(filter) = filter {
        let expr = parse_expression(filter)?;
        check_filter(&expr)?;
        users
            .iter()
            .filter(|u| expr.matches(&Value::Object((*u).clone()), false))
            .collect()
    } else {
        users
            .iter()
            .filter(|u| status_of(u) != "DEPROVISIONED")
            .filter(|u| q.is_none_or(|q| q_matches(u, q)))
            .collect()
    };
    let sort_by = request.param("sortBy").filter(|_| search.is_some());
    if let Some(sort_by) = sort_by {
        let path: Vec<&str> = sort_by.split('.').collect();
        let sort_key = |user: &User| {
            let document = Value::Object(user.clone());
            let mut values = Vec::new();
            query::collect_values(&document, &path, &mut values);
            values
                .first()
                .map(|v| v.to_string().to_lowercase())
                .unwrap_or_default()
        };
        selected.sort_by_cached_key(|user| sort_key(user));
        if request
            .param("sortOrder")
            .is_some_and(|o| o.eq_ignore_ascii_case("desc"))
        {
            selected.reverse();
        }
    }
    let self_url = request.self_url();
    if q.is_some() {
        let page: Vec<Value> = selected
            .iter()
            .take(limit)
            .map(|u| collection_view(u, &request.base_url))
            .collect();
        return Ok(Reply::json(200, &Value::Array(page)).with_link(&self_url, "self"));
    }
    let start = match request.param("after") {
        None => 0,
        Some(after) => match selected.iter().position(|u| id_of(u) == after) {
            Some(position) => position + 1,
            None if sort_by.is_none() => {
                // The cursor's user left the result: resume by store order.
                let store_position = users.iter().position(|u| id_of(u) == after);
                let store_index = |user: &User| users.iter().position(|u| id_of(u) == id_of(user));
                selected
                    .iter()
                    .position(|u| store_index(u) > store_position)
                    .unwrap_or(selected.len())
            }
            None => selected.len(),
        },
    };
    let page: Vec<&User> = selected.iter().skip(start).take(limit).copied().collect();
    let body = Value::Array(
        page.iter()
            .map(|u| collection_view(u, &request.base_url))
            .collect(),
    );
    let mut reply = Reply::json(200, &body).with_link(&self_url, "self");
    if let (true, Some(last)) = (start + page.len() < selected.len(), page.last()) {
        let mut extra = vec![("after", id_of(last).to_string())];
        if request.param("limit").is_none() {
            extra.push(("limit", limit.to_string()));
        }
        let params = request.params_replacing(&["after"], &extra);
        reply = reply.with_link(&request.url_with_params(&params), "next");
    }
    Ok(reply)
}

/// A validation problem with one profile field.
struct FieldProblem {
    field: &'static str,
    message: String,
}

fn looks_like_email(value: &str) -> bool {
    match value.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

fn validate_profile(
    profile: &Map<String, Value>,
    store: &UserStore,
    except_id: Option<&str>,
) -> Result<(), OktaError> {
    let mut problems = Vec::new();
    let mut check = |field: &'static str, min: usize, max: usize| -> Option<String> {
        let value = profile
            .get(field)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default();
        if value.is_empty() {
            let message = format!("{field}: The field cannot be left blank");
            problems.push(FieldProblem { field, message });
            return None;
        }
        let length = value.chars().count();
        if length < min || length > max {
            let message =
                format!("{field}: The field must be between {min} and {max} characters long");
            problems.push(FieldProblem { field, message });
            return None;
        }
        Some(value.to_string())
    };
    let login = check("login", 5, 100);
    let email = check("email", 5, 100);
    check("firstName", 1, 50);
    check("lastName", 1, 50);
    if let Some(login) = &login {
        if !looks_like_email(login) {
            let message = "login: Username must be in the form of an email address".to_string();
            problems.push(FieldProblem {
                field: "login",
                message,
            });
        } else if store.login_taken(login, except_id) {
            let message =
                "login: An object with this field already exists in the current organization";
            problems.push(FieldProblem {
                field: "login",
                message: message.to_string(),
            });
        }
    }
    if email
        .as_deref()
        .is_some_and(|email| !looks_like_email(email))
    {
        let message = "email: Does not match required pattern".to_string();
        problems.push(FieldProblem {
            field: "email",
            message,
        });
    }
    problems.sort_by_key(|p| {
        ["login", "email", "firstName", "lastName"]
            .iter()
            .position(|f| *f == p.field)
    });
    match problems.first() {
        None => Ok(()),
        Some(first) => {
            let mut error = OktaError::new(
                400,
                "E0000001",
                format!("Api validation failed: {}", first.field),
            );
            error.causes = problems.into_iter().map(|p| p.message).collect();
            Err(error)
        }
    }
}

/// Stored credentials from a request's `credentials` (password values are dropped).
fn sanitize_credentials(input: Option<&Value>, federated: bool) -> (Map<String, Value>, bool) {
    let mut credentials = Map::new();
    let password = input.and_then(|c| c.get("password"));
    let has_password = password.is_some_and(|p| {
        ["value", "hash", "hook"]
            .iter()
            .any(|key| p.get(*key).is_some_and(|v| !v.is_null()))
    });
    if has_password {
        credentials.insert("password".to_string(), json!({}));
    }
    if let Some(question) = input
        .and_then(|c| c.get("recovery_question"))
        .and_then(|r| r.get("question"))
    {
        credentials.insert(
            "recovery_question".to_string(),
            json!({ "question": question }),
        );
    }
    let provider = input
        .and_then(|c| c.get("provider"))
        .cloned()
        .unwrap_or_else(|| {
            if federated {
                json!({ "type": "FEDERATION", "name": "FEDERATION" })
            } else {
                json!({ "type": "OKTA", "name": "OKTA" })
            }
        });
    credentials.insert("provider".to_string(), provider);
    (credentials, has_password)
}

/// `POST /api/v1/users?activate=&provider=&nextLogin=`.
pub fn create(request: &ApiRequest, state: &mut SimState) -> Result<Reply, OktaError> {
    let body = request.json_body()?;
    let activate = request.bool_param("activate", true)?;
    let provider = request.bool_param("provider", false)?;
    let next_login = request.param("nextLogin");
    let profile = body
        .get("profile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let group_count = body
        .get("groupIds")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if group_count > 20 {
        return Err(OktaError::new(
            400,
            "E0000093",
            "Target count limit exceeded",
        ));
    }
    let (credentials, has_password) = sanitize_credentials(body.get("credentials"), provider);
    match next_login {
        None => {}
        Some("changePassword") if !activate => {
            return Err(OktaError::new(
                400,
                "E0000125",
                "Could not create user. To create a user and expire their password \
                 immediately, activate must be true.",
            ));
        }
        Some("changePassword") if !has_password => {
            return Err(OktaError::new(
                400,
                "E0000124",
                "Could not create user. To create a user and expire their password \
                 immediately, a password must be specified.",
            ));
        }
        Some("changePassword") => {}
        Some(other) => {
            return Err(OktaError::validation(
                "nextLogin",
                format!("nextLogin: '{other}' is not a valid value"),
            ));
        }
    }
    validate_profile(&profile, &state.users, None)?;
    let status = match (activate, provider || has_password, next_login.is_some()) {
        (false, _, _) => "STAGED",
        (true, true, true) => "PASSWORD_EXPIRED",
        (true, true, false) => "ACTIVE",
        (true, false, _) => "PROVISIONED",
    };
    let now = Value::String(time::iso_millis(request.now));
    let changed = |set: bool| if set { now.clone() } else { Value::Null };
    let type_id = body
        .get("type")
        .and_then(|t| t.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_USER_TYPE_ID);
    let id = ids::user_id();
    let mut user = Map::new();
    user.insert("id".to_string(), Value::String(id.clone()));
    user.insert("status".to_string(), Value::String(status.to_string()));
    user.insert("created".to_string(), now.clone());
    user.insert("activated".to_string(), changed(activate));
    user.insert("statusChanged".to_string(), changed(activate));
    user.insert("lastLogin".to_string(), Value::Null);
    user.insert("lastUpdated".to_string(), now.clone());
    user.insert("passwordChanged".to_string(), changed(has_password));
    user.insert("type".to_string(), json!({ "id": type_id }));
    user.insert("profile".to_string(), Value::Object(profile));
    user.insert("credentials".to_string(), Value::Object(credentials));
    state.users.users.push(user);
    state.record_user_event(request, "user.lifecycle.create", "Create Okta user", &id);
    if activate {
        state.record_user_event(
            request,
            "user.lifecycle.activate",
            "Activate Okta user",
            &id,
        );
    }
    let index = state.users.users.len() - 1;
    Ok(Reply::json(
        200,
        &single_view(&state.users.users[index], &request.base_url),
    ))
}

/// `POST /api/v1/users/{id}` (partial update, `replace` false) or `PUT` (full replace).
pub fn update(
    request: &ApiRequest,
    state: &mut SimState,
    raw_key: &str,
    replace: bool,
) -> Result<Reply, OktaError> {
    let index = resolve(state, raw_key)?;
    let user = &state.users.users[index];
    if status_of(user) == "DEPROVISIONED" {
        return Err(OktaError::not_found(&decode_segment(raw_key), "User"));
    }
    let id = id_of(user).to_string();
    let body = request.json_body()?;
    let body = body.as_object().cloned().unwrap_or_default();
    let new_profile = body.get("profile").and_then(Value::as_object);
    let profile = if replace {
        new_profile.cloned().unwrap_or_default()
    } else {
        let mut merged = user
            .get("profile")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, value) in new_profile.into_iter().flatten() {
            merged.insert(key.clone(), value.clone());
        }
        merged
    };
    validate_profile(&profile, &state.users, Some(&id))?;
    let now = Value::String(time::iso_millis(request.now));
    let user = &mut state.users.users[index];
    set_ordered(user, "profile", Value::Object(profile));
    if let Some(input) = body.get("credentials") {
        let (mut credentials, password_set) = sanitize_credentials(Some(input), false);
        let old = user
            .get("credentials")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if input.get("provider").is_none() {
            if let Some(provider) = old.get("provider") {
                credentials.insert("provider".to_string(), provider.clone());
            }
        }
        if !password_set && !replace && old.contains_key("password") {
            credentials.shift_insert(0, "password".to_string(), json!({}));
        }
        if password_set {
            set_ordered(user, "passwordChanged", now.clone());
        }
        set_ordered(user, "credentials", Value::Object(credentials));
    }
    if replace {
        if let Some(type_value) = body.get("type").filter(|t| t.get("id").is_some()) {
            set_ordered(user, "type", type_value.clone());
        }
    }
    set_ordered(user, "lastUpdated", now);
    if new_profile.is_some() {
        let message = "Update user profile for Okta";
        state.record_user_event(request, "user.account.update_profile", message, &id);
    }
    Ok(Reply::json(
        200,
        &single_view(&state.users.users[index], &request.base_url),
    ))
}

fn set_status(user: &mut User, status: &str, request: &ApiRequest) {
    let now = Value::String(time::iso_millis(request.now));
    set_ordered(user, "status", Value::String(status.to_string()));
    set_ordered(user, "statusChanged", now.clone());
    set_ordered(user, "lastUpdated", now);
}

/// `DELETE /api/v1/users/{id}`: deactivates, or deletes a DEPROVISIONED user.
pub fn delete(
    request: &ApiRequest,
    state: &mut SimState,
    raw_key: &str,
) -> Result<Reply, OktaError> {
    let index = resolve(state, raw_key)?;
    let id = id_of(&state.users.users[index]).to_string();
    if status_of(&state.users.users[index]) == "DEPROVISIONED" {
        let message = "Delete Okta user";
        state.record_user_event(request, "user.lifecycle.delete.initiated", message, &id);
        state.users.users.remove(index);
    } else {
        set_status(&mut state.users.users[index], "DEPROVISIONED", request);
        state.record_user_event(
            request,
            "user.lifecycle.deactivate",
            "Deactivate Okta user",
            &id,
        );
    }
    Ok(Reply::empty(204))
}

fn activation_body(request: &ApiRequest, send_email: bool) -> Value {
    if send_email {
        return json!({});
    }
    let token = ids::one_time_token();
    json!({
        "activationUrl": format!("{}/tokens/{token}/verify", request.base_url),
        "activationToken": token,
    })
}

/// `POST /api/v1/users/{id}/lifecycle/{operation}`.
pub fn lifecycle(
    request: &ApiRequest,
    state: &mut SimState,
    raw_key: &str,
    operation: &str,
) -> Result<Reply, OktaError> {
    let index = resolve(state, raw_key)?;
    let user = &state.users.users[index];
    let id = id_of(user).to_string();
    let status = status_of(user).to_string();
    let password = has_password(user);
    let not_allowed_400 = |message: &str| OktaError::validation("status", message);
    let (new_status, reply, event) = match operation {
        "activate" => {
            let send_email = request.bool_param("sendEmail", true)?;
            match status.as_str() {
                "STAGED" | "DEPROVISIONED" => {
                    let new_status = if password { "ACTIVE" } else { "PROVISIONED" };
                    let reply = Reply::json(200, &activation_body(request, send_email));
                    (
                        new_status,
                        reply,
                        ("user.lifecycle.activate", "Activate Okta user"),
                    )
                }
                "ACTIVE" => {
                    return Err(OktaError::new(
                        403,
                        "E0000016",
                        "Activation failed because the user is already active",
                    ));
                }
                _ => return Err(OktaError::wrong_status()),
            }
        }
        "reactivate" => {
            let send_email = request.bool_param("sendEmail", false)?;
            if !matches!(status.as_str(), "PROVISIONED" | "RECOVERY") {
                return Err(OktaError::wrong_status());
            }
            let reply = Reply::json(200, &activation_body(request, send_email));
            (
                "PROVISIONED",
                reply,
                ("user.lifecycle.reactivate", "Reactivate Okta user"),
            )
        }
        "deactivate" => {
            if status == "DEPROVISIONED" {
                return Err(OktaError::not_found(&decode_segment(raw_key), "User"));
            }
            let event = ("user.lifecycle.deactivate", "Deactivate Okta user");
            ("DEPROVISIONED", Reply::empty(200), event)
        }
        "suspend" => {
            if status != "ACTIVE" {
                return Err(not_allowed_400(
                    "status: Cannot suspend a user that is not active",
                ));
            }
            (
                "SUSPENDED",
                Reply::empty(200),
                ("user.lifecycle.suspend", "Suspend Okta user"),
            )
        }
        "unsuspend" => {
            if status != "SUSPENDED" {
                return Err(not_allowed_400(
                    "status: Cannot unsuspend a user that is not suspended",
                ));
            }
            let event = ("user.lifecycle.unsuspend", "Unsuspend Okta user");
            ("ACTIVE", Reply::empty(200), event)
        }
        "unlock" => {
            if status != "LOCKED_OUT" {
                return Err(OktaError::new(
                    403,
                    "E0000032",
                    "Unlock is not allowed for this user.",
                ));
            }
            let event = ("user.account.unlock_by_admin", "Unlock user by admin");
            ("ACTIVE", Reply::empty(200), event)
        }
        "reset_password" => {
            let send_email = request.bool_param("sendEmail", true)?;
            if matches!(status.as_str(), "STAGED" | "DEPROVISIONED" | "SUSPENDED") {
                return Err(OktaError::wrong_status());
            }
            let body = if send_email {
                json!({})
            } else {
                let token = ids::one_time_token();
                let url = format!("{}/reset_password/{token}", request.base_url);
                json!({ "resetPasswordUrl": url })
            };
            let event = (
                "user.account.reset_password",
                "Reset password for Okta user",
            );
            ("RECOVERY", Reply::json(200, &body), event)
        }
        "expire_password" => {
            if !matches!(status.as_str(), "ACTIVE" | "PASSWORD_EXPIRED") {
                return Err(OktaError::wrong_status());
            }
            let event = (
                "user.account.expire_password",
                "Expire password for Okta user",
            );
            ("PASSWORD_EXPIRED", Reply::empty(200), event)
        }
        _ => return Err(OktaError::path_not_found()),
    };
    let user = &mut state.users.users[index];
    set_status(user, new_status, request);
    if operation == "activate" {
        set_ordered(
            user,
            "activated",
            Value::String(time::iso_millis(request.now)),
        );
    }
    state.record_user_event(request, event.0, event.1, &id);
    if operation == "expire_password" {
        return Ok(Reply::json(
            200,
            &single_view(&state.users.users[index], &request.base_url),
        ));
    }
    Ok(reply)
}

/// `GET /api/v1/apps/{appId}/users/{userId}` (`expand=user` embeds the user).
pub fn get_app_user(
    request: &ApiRequest,
    state: &SimState,
    app_id: &str,
    raw_user_id: &str,
) -> Result<Reply, OktaError> {
    let user_id = decode_segment(raw_user_id);
    let entry = state
        .app_users
        .iter()
        .find(|entry| {
            entry.app_id == app_id
                && entry.app_user.get("id").and_then(Value::as_str) == Some(user_id.as_str())
        })
        .ok_or_else(|| OktaError::not_found(&user_id, "AppUser"))?;
    let mut app_user = entry.app_user.clone();
    let expand_user = request
        .param("expand")
        .is_some_and(|e| e.split(',').any(|x| x == "user"));
    if let (true, Some(object), Some(user)) = (
        expand_user,
        app_user.as_object_mut(),
        state.users.by_id(&user_id),
    ) {
        let embedded = json!({ "user": single_view(user, &request.base_url) });
        object.insert("_embedded".to_string(), embedded);
    }
    Ok(Reply::json(200, &app_user))
}
