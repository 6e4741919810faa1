//! `test-module`: checks every instance parameter, then that Okta accepts the token.

use super::{Call, CommandOutput};
use crate::envelope::Entry;
use crate::scim::CustomMapping;

/// Parameters that must be whole numbers when set.
const COUNT_PARAMETERS: [&str; 3] = ["fetch_events_time_minutes", "max_fetch", "smtp_port"];

/// Parameters that must hold a custom mapping when set.
const MAPPING_PARAMETERS: [&str; 2] = ["customMappingCreateUser", "customMappingUpdateUser"];

/// Validates the parameters and calls `GET /users/me`; answers `ok` when both pass.
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
    call.params.flag("isFetch")?;

    let client = call.client()?;
    let answer = client.current_user();
    answer?;
    Ok(CommandOutput::entry(Entry::text("ok")))
}
