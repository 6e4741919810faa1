//! The command table: each command's name, arguments and handler, and the run that routes an
//! envelope to its handler and shapes the output document.

mod app_assignment;
mod fetch_incidents;
mod test_module;
mod user_lookup;
mod user_outputs;
mod users;

use std::cell::{OnceCell, RefCell};

use serde_json::{Map, Value};

use crate::envelope::{Document, Entry, Envelope, LogLine};
use crate::inputs::Inputs;
use crate::instance::Connection;
use crate::okta::OktaClient;
use crate::output::IncidentSink;

/// What a handler produced, before it becomes the output document.
#[derive(Debug, Default)]
pub struct CommandOutput {
    /// War-room entries.
    pub entries: Vec<Entry>,
    /// Incidents, for `fetch-incidents` only.
    pub incidents: Option<Vec<Value>>,
    /// The next last-run state, for `fetch-incidents` only.
    pub last_run: Option<Map<String, Value>>,
}

impl CommandOutput {
    /// An output made of one entry.
    pub fn entry(entry: Entry) -> CommandOutput {
        CommandOutput {
            entries: vec![entry],
            ..CommandOutput::default()
        }
    }
}

/// What a handler gets: the envelope, typed readers for it, and a place for log lines.
pub struct Call<'a> {
    /// The whole envelope.
    pub envelope: &'a Envelope,
    /// The command's arguments.
    pub args: Inputs<'a>,
    /// The instance's parameters.
    pub params: Inputs<'a>,
    logs: RefCell<Vec<LogLine>>,
    client: OnceCell<OktaClient>,
    incidents: RefCell<&'a mut dyn IncidentSink>,
}

impl<'a> Call<'a> {
    fn new(envelope: &'a Envelope, incidents: &'a mut dyn IncidentSink) -> Call<'a> {
        Call {
            envelope,
            args: Inputs::arguments(&envelope.args),
            params: Inputs::parameters(&envelope.params),
            logs: RefCell::new(Vec::new()),
            client: OnceCell::new(),
            incidents: RefCell::new(incidents),
        }
    }

    /// Hands one incident to the output as soon as it is made.
    pub fn deliver_incident(&self, incident: &str) -> Result<(), String> {
        self.incidents
            .borrow_mut()
            .deliver(incident)
            .map_err(|err| err.to_string())
    }

    /// The client for the instance's Okta org, built once from validated parameters.
    pub fn client(&self) -> anyhow::Result<&OktaClient> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let connection = Connection::from_params(&self.envelope.params)?;
        Ok(self.client.get_or_init(|| OktaClient::new(&connection)))
    }

    /// Records a diagnostic line for the engine's log, after the requests sent so far.
    pub fn log(&self, level: &'static str, message: impl Into<String>) {
        self.record_requests();
        self.logs.borrow_mut().push(LogLine {
            level,
            message: message.into(),
        });
    }

    /// Moves the client's request trace into the log at debug level.
    fn record_requests(&self) {
        let Some(client) = self.client.get() else {
            return;
        };
        let mut logs = self.logs.borrow_mut();
        for line in client.take_trace() {
            logs.push(LogLine {
                level: "debug",
                message: line,
            });
        }
    }
}

/// A handler: runs one command.
pub type Handler = fn(&Call) -> anyhow::Result<CommandOutput>;

/// One supported command.
pub struct Command {
    /// The command name the engine sends.
    pub name: &'static str,
    /// The arguments it reads, as `integration.yml` declares them.
    pub arguments: &'static [&'static str],
    /// The function that runs it.
    pub handler: Handler,
}

/// Every command this integration answers.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "test-module",
        arguments: &[],
        handler: test_module::run,
    },
    Command {
        name: "create-user",
        arguments: &["scim", "customMapping"],
        handler: users::create,
    },
    Command {
        name: "update-user",
        arguments: &["oldScim", "newScim", "customMapping"],
        handler: users::update,
    },
    Command {
        name: "get-user",
        arguments: &["scim"],
        handler: users::get,
    },
    Command {
        name: "enable-user",
        arguments: &["scim"],
        handler: users::enable,
    },
    Command {
        name: "disable-user",
        arguments: &["scim"],
        handler: users::disable,
    },
    Command {
        name: "fetch-incidents",
        arguments: &[],
        handler: fetch_incidents::run,
    },
    Command {
        name: "okta-get-assigned-user-for-app",
        arguments: &["applicationId", "userId"],
        handler: app_assignment::run,
    },
];

/// Every instance parameter the integration reads, as `integration.yml` declares them.
pub const PARAMETERS: &[&str] = &[
    "url",
    "apitoken",
    "isFetch",
    "incidentType",
    "customMappingCreateUser",
    "customMappingUpdateUser",
    "fetchLogsQuery",
    "fetch_events_time_minutes",
    "email_notification_ids",
    "smtp_server",
    "smtp_port",
    "from_email",
    "smtp_credentials",
    "max_fetch",
    "first_fetch",
    "timeout",
    "insecure",
    "proxy",
];

/// Runs the command an envelope names and returns the document to print; incidents go to
/// `incidents` as they are made.
pub fn run(envelope: &Envelope, incidents: &mut dyn IncidentSink) -> Document {
    let call = Call::new(envelope, incidents);
    for warning in &envelope.warnings {
        call.log("warning", warning.clone());
    }
    let outcome = match COMMANDS
        .iter()
        .find(|command| command.name == envelope.command)
    {
        Some(command) => (command.handler)(&call),
        None => Err(unknown_command(&envelope.command)),
    };
    call.record_requests();
    let logs = call.logs.take();
    match outcome {
        Ok(output) => Document {
            results: output.entries,
            incidents: output.incidents,
            last_run: output.last_run,
            logs,
            error: None,
        },
        Err(error) => Document::failure(&envelope.command, &reason(&error), logs),
    }
}

/// The error text of a failed command: each layer's message, outermost first.
fn reason(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

fn unknown_command(name: &str) -> anyhow::Error {
    let known: Vec<&str> = COMMANDS.iter().map(|command| command.name).collect();
    anyhow::anyhow!(
        "unknown command '{}'; this integration supports: {}",
        name.escape_debug(),
        known.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoIncidents;

    impl IncidentSink for NoIncidents {
        fn deliver(&mut self, _incident: &str) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn unknown_commands_list_the_supported_ones() {
        let envelope = Envelope {
            command: "okta-get-usr".into(),
            ..Envelope::default()
        };
        let document = run(&envelope, &mut NoIncidents);
        let error = document.error.unwrap();
        assert!(error.starts_with(
            "Failed to execute okta-get-usr command. Error: unknown command 'okta-get-usr'; \
             this integration supports: test-module, create-user,"
        ));
    }

    #[test]
    fn command_names_are_unique() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|command| command.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
    }
}
