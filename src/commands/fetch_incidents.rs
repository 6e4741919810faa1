//! `fetch-incidents`: System Log events matching the instance's query become incidents; a failed
//! fetch emails the operators.

use chrono::Utc;

use super::{Call, CommandOutput};
use crate::email::{EmailSettings, FailureReport};
use crate::fetch::{FetchSettings, FetchState, fetch, timestamp};
use crate::inputs::Inputs;

/// Runs one fetch; on failure the engine keeps its last-run state and operators get an email.
pub fn run(call: &Call) -> anyhow::Result<CommandOutput> {
    let settings = FetchSettings::from_params(&call.envelope.params);
    let outcome = settings
        .map_err(anyhow::Error::from)
        .and_then(|settings| fetch_with(call, &settings));
    match outcome {
        Ok(output) => Ok(output),
        Err(error) => Err(notify(call, error)),
    }
}

fn fetch_with(call: &Call, settings: &FetchSettings) -> anyhow::Result<CommandOutput> {
    let client = call.client()?;
    let now = Utc::now();
    let (previous, warnings) = FetchState::from_last_run(&call.envelope.last_run, now);
    for warning in warnings {
        call.log("warning", warning);
    }
    let mut deliver = |incident: String| call.deliver_incident(&incident);
    let run = fetch(client, settings, &previous, now, &mut deliver)?;

    for warning in &run.warnings {
        call.log("warning", warning.clone());
    }
    if run.queried {
        call.log("info", format!("fetched {} incident(s)", run.incidents));
    } else {
        call.log(
            "info",
            "the fetch interval has not elapsed; Okta was not queried",
        );
    }
    Ok(CommandOutput {
        entries: Vec::new(),
        incidents: Some(Vec::new()),
        last_run: Some(run.state.to_last_run()),
    })
}

/// Emails the operators about a failed fetch, when configured; returns the error to report,
/// with any email failure appended so it never hides the original error.
fn notify(call: &Call, error: anyhow::Error) -> anyhow::Error {
    let params = &call.envelope.params;
    let email = match EmailSettings::from_params(params) {
        Ok(Some(email)) => email,
        Ok(None) => return error,
        Err(why) => {
            return anyhow::anyhow!("{error:#}. In addition, no failure email was sent: {why}");
        }
    };

    let reason = format!("{error:#}");
    let query = Inputs::parameters(params)
        .text("fetchLogsQuery")
        .ok()
        .flatten();
    let org = Inputs::parameters(params)
        .text("url")
        .ok()
        .flatten()
        .unwrap_or_default();
    let report = FailureReport {
        when: &timestamp(Utc::now()),
        instance: &call.envelope.instance_name(),
        org: &org,
        query: query.as_deref(),
        error: &reason,
    };
    let token = Inputs::parameters(params).secret("apitoken").ok().flatten();
    let body = crate::redact_text(&report.body(), token.as_deref());
    match email.send(&body) {
        Ok(()) => {
            call.log(
                "info",
                format!("sent the failure email to {} recipient(s)", email.to.len()),
            );
            error
        }
        Err(why) => {
            call.log("error", why.clone());
            anyhow::anyhow!("{reason}. In addition, {why}")
        }
    }
}
