//! `test-module`: checks every instance parameter, then that Okta accepts the token.

use super::{Call, CommandOutput};
use chrono::Utc;

use super::users::mapping_in;
use crate::email::EmailSettings;
use crate::envelope::Entry;
use crate::fetch::{FetchSettings, timestamp};
use crate::okta::OktaError;

/// Parameters that must hold a custom mapping when set.
const MAPPING_PARAMETERS: [&str; 2] = ["customMappingCreateUser", "customMappingUpdateUser"];

/// Validates the parameters, calls `GET /users/me`, and with fetching on runs the System Log
/// query once; answers `ok` when all pass.
pub fn run(call: &Call) -> anyhow::Result<CommandOutput> {
    for name in MAPPING_PARAMETERS {
        mapping_in(&call.params, name)?;
    }
    let fetch_settings = FetchSettings::from_params(&call.envelope.params)?;
    EmailSettings::from_params(&call.envelope.params)?;

    let client = call.client()?;
    client.current_user()?;
    if call.params.flag("isFetch")?.unwrap_or(false) {
        // One event is enough to show Okta accepts the query.
        let since = timestamp(Utc::now() - fetch_settings.first_fetch);
        let link = client.log_poll_link(&since, fetch_settings.query.as_deref(), 1);
        client.log_events_at(&link).map_err(|error| match &error {
            // Okta answers 400 to a filter it cannot read (E0000031, E0000053).
            OktaError::Api(api) if api.status == 400 => {
                anyhow::anyhow!("the System Log query in 'fetchLogsQuery' failed: {error}")
            }
            _ => anyhow::anyhow!("the System Log could not be read: {error}"),
        })?;
    }
    Ok(CommandOutput::entry(Entry::text("ok")))
}
