//! `test-module`: checks every instance parameter, then that Okta accepts the token.

use super::{Call, CommandOutput};
use chrono::Utc;

use crate::email::EmailSettings;
use crate::envelope::Entry;
use crate::fetch::{FetchSettings, timestamp};
use crate::scim::CustomMapping;

/// Parameters that must be whole numbers when set.
const COUNT_PARAMETERS: [&str; 3] = ["fetch_events_time_minutes", "max_fetch", "smtp_port"];

/// Parameters that must hold a custom mapping when set.
const MAPPING_PARAMETERS: [&str; 2] = ["customMappingCreateUser", "customMappingUpdateUser"];

/// Validates the parameters, calls `GET /users/me`, and with fetching on runs the System Log
/// query once; answers `ok` when all pass.
pub fn run(call: &Call) -> anyhow::Result<CommandOutput> {
    for name in COUNT_PARAMETERS {
        call.params.count(name)?;
    }
    for name in MAPPING_PARAMETERS {
        if let Some(object) = call
            .params
            .object(name, "extension attribute → Okta attribute")?
        {
            CustomMapping::from_object(&object).map_err(|why| {
                anyhow::anyhow!("the parameter '{name}' is not a usable custom mapping: {why}")
            })?;
        }
    }
    let fetch_settings = FetchSettings::from_params(&call.envelope.params)?;
    EmailSettings::from_params(&call.envelope.params)?;

    let client = call.client()?;
    client.current_user()?;
    if call.params.flag("isFetch")?.unwrap_or(false) {
        // One event is enough to show Okta accepts the query.
        let since = timestamp(Utc::now() - fetch_settings.first_fetch);
        let link = client.log_poll_link(&since, fetch_settings.query.as_deref(), 1);
        client.log_events_at(&link).map_err(|error| {
            anyhow::anyhow!("the System Log query in 'fetchLogsQuery' failed: {error}")
        })?;
    }
    Ok(CommandOutput::entry(Entry::text("ok")))
}
