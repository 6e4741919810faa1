//! `okta-get-assigned-user-for-app`: a user's assignment to an Okta application.

use serde_json::{Map, Value, json};

use super::user_outputs::{RESULT_KEYS, error_code};
use super::{Call, CommandOutput};
use crate::envelope::Entry;
use crate::markdown::table_to_markdown;
use crate::okta::OktaError;
use crate::okta::expression::id_problem;

/// Context key under which assignments merge.
const CONTEXT_KEY: &str = "Okta.UserAppAssignment(val.id && val.id === obj.id)";

/// War-room table title.
const TITLE: &str = "Okta User App Assignment:";

/// Reads the assignment of `userId` to `applicationId`.
pub fn run(call: &Call) -> anyhow::Result<CommandOutput> {
    let application_id = call.args.required_text("applicationId")?;
    let user_id = call.args.required_text("userId")?;
    for (name, value, user) in [
        ("applicationId", &application_id, false),
        ("userId", &user_id, true),
    ] {
        if let Some(why) = id_problem(value, user) {
            anyhow::bail!(
                "the argument '{name}' holds '{}', which cannot be an Okta id: {why}",
                value.escape_debug()
            );
        }
    }
    let client = call.client()?;
    let answer = client.app_user(&application_id, &user_id);

    let mut assignment = Map::new();
    match answer {
        Ok(Value::Object(app_user)) => {
            assignment.insert("success".into(), json!(true));
            assignment.extend(app_user);
        }
        Ok(_) => anyhow::bail!(
            "Okta answered GET /api/v1/apps/…/users/… with something other than an app user \
             object; check the 'url' parameter and any proxy between here and Okta"
        ),
        Err(OktaError::Api(error)) if error.is_refusal() => {
            assignment.insert("success".into(), json!(false));
            assignment.insert("errorCode".into(), error_code(&error));
            assignment.insert("errorMessage".into(), json!(error.message()));
        }
        Err(other) => return Err(other.into()),
    }

    let table = table_to_markdown(TITLE, &[&assignment], &RESULT_KEYS, true);
    let mut context = Map::new();
    context.insert(CONTEXT_KEY.into(), Value::Object(assignment.clone()));
    Ok(CommandOutput::entry(Entry::note(
        Value::Object(assignment),
        table,
        context,
    )))
}
