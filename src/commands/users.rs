//! The five user commands: create, update, get, enable and disable an Okta user described by a
//! SCIM user.

use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

use super::user_lookup::{Lookup, classify, find_user};
use super::user_outputs::{UserCommand, UserResult, account, status_of};
use super::{Call, CommandOutput};
use crate::inputs::Inputs;
use crate::okta::expression::id_problem;
use crate::okta::{ApiError, Lifecycle, OktaClient, OktaError};
use crate::scim::{CustomMapping, UserLocator, okta_profile, user_locator};

/// The error for a user object without an id, which Okta never sends.
const NO_ID: &str = "Okta answered a user object without an id; check the 'url' parameter and \
    any proxy between here and Okta";

/// What a SCIM argument holds, for error messages.
const SCIM_USER: &str = "a SCIM user";

/// `get-user`: reads the user the SCIM user refers to.
pub fn get(call: &Call) -> anyhow::Result<CommandOutput> {
    let locator = locator_argument(call, "scim")?;
    let client = call.client()?;
    let result = match find_user(client, &locator)? {
        Lookup::Found(user) => UserResult::from_user(&user),
        Lookup::Failed(failure) => failure.into_result(),
    };
    Ok(output(call, UserCommand::Get, result))
}

/// `create-user`: creates and activates a user from a SCIM user.
pub fn create(call: &Call) -> anyhow::Result<CommandOutput> {
    let scim = call.args.required_object("scim", SCIM_USER)?;
    let mapping = custom_mapping(call, "customMappingCreateUser")?;
    let mut profile = okta_profile(&scim, mapping.as_ref());
    if !profile.contains_key("login") {
        let Some(email) = profile.get("email").cloned() else {
            bail!(
                "the argument 'scim' has neither 'userName' nor an email; Okta needs a login \
                 for a new user"
            );
        };
        profile.insert("login".to_string(), email);
    }

    let client = call.client()?;
    let result = match client.create_user(&profile) {
        Ok(user) => UserResult::from_user(&user),
        Err(OktaError::Api(error)) if error.is_refusal() => UserResult::refused(&error),
        Err(other) if other.may_have_acted() => bail!(
            "{other}. Check whether the user exists (get-user with its userName) before \
             running create-user again"
        ),
        Err(other) => return Err(other.into()),
    };
    Ok(output(call, UserCommand::Create, result))
}

/// `update-user`: changes the attributes `newScim` carries on the user `oldScim` refers to.
pub fn update(call: &Call) -> anyhow::Result<CommandOutput> {
    let locator = locator_argument(call, "oldScim")?;
    let new_scim = call.args.required_object("newScim", SCIM_USER)?;
    let mapping = custom_mapping(call, "customMappingUpdateUser")?;
    let profile = okta_profile(&new_scim, mapping.as_ref());
    if profile.is_empty() {
        bail!(
            "the argument 'newScim' maps to no Okta profile attribute, so there is nothing to \
             update; give the SCIM attributes to change (or a custom mapping for extension ones)"
        );
    }

    let client = call.client()?;
    let result = update_found_user(client, &locator, &profile)?;
    Ok(output(call, UserCommand::Update, result))
}

fn update_found_user(
    client: &OktaClient,
    locator: &UserLocator,
    profile: &Map<String, Value>,
) -> anyhow::Result<UserResult> {
    let (id, known_user) = match locator {
        UserLocator::Id(id) => (id.clone(), None),
        UserLocator::Login(_) => match find_user(client, locator)? {
            Lookup::Found(user) => match user.get("id").and_then(Value::as_str) {
                Some(id) => (id.to_string(), Some(user)),
                None => bail!("{NO_ID}"),
            },
            Lookup::Failed(failure) => return Ok(failure.into_result()),
        },
    };

    match client.update_profile(&id, profile) {
        Ok(user) => Ok(UserResult::from_user(&user)),
        Err(OktaError::Api(error)) if error.status == 404 => {
            // Okta answers 404 both for a missing user and for a deactivated one.
            let user = match known_user {
                Some(user) => Lookup::Found(user),
                None => classify(client.user(&id))?,
            };
            Ok(match user {
                Lookup::Found(user) if status_of(&user) == Some("DEPROVISIONED") => {
                    deactivated(&user, &error)
                }
                Lookup::Found(_) => UserResult::refused(&error),
                Lookup::Failed(failure) => failure.into_result(),
            })
        }
        Err(OktaError::Api(error)) if error.is_refusal() => Ok(UserResult::refused(&error)),
        Err(other) => Err(other.into()),
    }
}

/// The result of updating a deactivated user, which Okta refuses.
fn deactivated(user: &Value, error: &ApiError) -> UserResult {
    let mut result = UserResult::identity(user);
    let okta_message = error.message();
    result.success = false;
    result.error_code = Some(error.code.clone().map_or(Value::from(404), Value::String));
    result.error_message = Some(format!(
        "The user is deactivated (status DEPROVISIONED) and Okta does not update a deactivated \
         user's profile; enable the user first. Okta said: {okta_message}"
    ));
    result.details = Some(user.clone());
    result
}

/// `enable-user`: makes a disabled user usable again, choosing the call by status.
pub fn enable(call: &Call) -> anyhow::Result<CommandOutput> {
    change_lifecycle(call, UserCommand::Enable)
}

/// `disable-user`: deactivates a user; never deletes.
pub fn disable(call: &Call) -> anyhow::Result<CommandOutput> {
    change_lifecycle(call, UserCommand::Disable)
}

fn change_lifecycle(call: &Call, command: UserCommand) -> anyhow::Result<CommandOutput> {
    let locator = locator_argument(call, "scim")?;
    let client = call.client()?;
    let lookup = find_user(client, &locator)?;
    let user = match lookup {
        Lookup::Found(user) => user,
        Lookup::Failed(failure) => return Ok(output(call, command, failure.into_result())),
    };

    let status = status_of(&user).unwrap_or_default();
    let (operation, status_after) = match (command, status) {
        (UserCommand::Enable, "DEPROVISIONED" | "STAGED") => (Some(Lifecycle::Activate), None),
        (UserCommand::Enable, "SUSPENDED") => (Some(Lifecycle::Unsuspend), Some("ACTIVE")),
        (UserCommand::Enable, _) => (None, Some(status)),
        (_, "DEPROVISIONED") => (None, Some(status)),
        (_, _) => (Some(Lifecycle::Deactivate), Some("DEPROVISIONED")),
    };

    let mut result = UserResult::identity(&user);
    match operation {
        None => call.log(
            "info",
            format!("the user is already {status}; nothing to change"),
        ),
        Some(operation) => {
            let id = result.id.clone().context(NO_ID)?;
            match client.lifecycle(&id, operation) {
                Ok(answer) => result.details = meaningful(answer),
                Err(OktaError::Api(error)) if error.is_refusal() => {
                    let mut refused = UserResult::refused(&error);
                    refused.active = result.active;
                    (refused.id, refused.username, refused.email) =
                        (result.id, result.username, result.email);
                    return Ok(output(call, command, refused));
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
    result.success = true;
    result.active = Some(command == UserCommand::Enable);
    let mut account = account(&user, status_after);
    if operation.is_some() {
        // The status just changed, so the looked-up user's change time is no longer right.
        account.remove("StatusChanged");
    }
    result.account = Some(account);
    Ok(output(call, command, result))
}

/// A lifecycle answer worth showing: Okta's `{}` or empty body is not.
fn meaningful(answer: Value) -> Option<Value> {
    match &answer {
        Value::Null => None,
        Value::Object(map) if map.is_empty() => None,
        _ => Some(answer),
    }
}

/// Reads a SCIM argument and the user reference it carries.
fn locator_argument(call: &Call, name: &str) -> anyhow::Result<UserLocator> {
    let scim = call.args.required_object(name, SCIM_USER)?;
    match user_locator(&scim) {
        Ok(Some(UserLocator::Id(id))) => match id_problem(&id, true) {
            Some(why) => bail!(
                "the argument '{name}' has the 'id' '{}', which cannot be an Okta user id: \
                 {why}; give the user's Okta id (such as 00u…) or its 'userName'",
                id.escape_debug()
            ),
            None => Ok(UserLocator::Id(id)),
        },
        Ok(Some(locator)) => Ok(locator),
        Ok(None) => bail!(
            "the argument '{name}' names no user: give the SCIM 'id' (the Okta user id) or \
             'userName' (the Okta login)"
        ),
        Err(why) => bail!("the argument '{name}' is not usable: {why}"),
    }
}

/// The custom mapping: the `customMapping` argument, else the instance parameter.
fn custom_mapping(call: &Call, parameter: &str) -> anyhow::Result<Option<CustomMapping>> {
    match mapping_in(&call.args, "customMapping")? {
        Some(mapping) => Ok(Some(mapping)),
        None => mapping_in(&call.params, parameter),
    }
}

/// The custom mapping a named argument or parameter holds, if any.
pub(super) fn mapping_in(inputs: &Inputs, name: &str) -> anyhow::Result<Option<CustomMapping>> {
    let what = "extension attribute → Okta profile attribute";
    let Some(object) = inputs.object(name, what)? else {
        return Ok(None);
    };
    CustomMapping::from_object(&object)
        .map(Some)
        .map_err(|why| {
            anyhow::anyhow!(
                "the {} '{name}' is not a usable custom mapping: {why}",
                inputs.kind()
            )
        })
}

fn output(call: &Call, command: UserCommand, result: UserResult) -> CommandOutput {
    CommandOutput::entry(result.into_entry(command, &call.envelope.instance_name()))
}
