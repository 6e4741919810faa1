//! The email that tells operators a System Log fetch failed.
//!
//! Sent with lettre over SMTP: STARTTLS when the server offers it, a timeout, and login only
//! when SMTP credentials are configured. Never carries the API token.

use std::time::Duration;

use lettre::Transport as _;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use serde_json::{Map, Value};

use crate::inputs::{InputError, Inputs};

/// Subject of every failure email.
pub const SUBJECT: &str = "ERROR: Okta Fetch Events Failed";

/// Longest wait for the SMTP server, per step.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The four parameters that together turn failure emails on.
const REQUIRED: [&str; 4] = [
    "smtp_server",
    "smtp_port",
    "from_email",
    "email_notification_ids",
];

/// Where failure emails go and how they are sent.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// SMTP server host name.
    pub server: String,
    /// SMTP server port.
    pub port: u16,
    /// Sender address.
    pub from: Mailbox,
    /// Every recipient.
    pub to: Vec<Mailbox>,
    /// SMTP login, when configured.
    credentials: Option<(String, String)>,
    /// Whether the instance's `insecure` parameter trusts any certificate, the SMTP server's
    /// included.
    trust_any_certificate: bool,
}

impl EmailSettings {
    /// Reads the email parameters: None when they are not all set, an error when one is
    /// invalid or only some are set.
    pub fn from_params(params: &Map<String, Value>) -> Result<Option<EmailSettings>, InputError> {
        let inputs = Inputs::parameters(params);
        // A port or login that is set must be usable, whatever else is set.
        let port = inputs.count("smtp_port")?;
        let credentials = smtp_login(&inputs)?;
        let mut given = Vec::new();
        for name in REQUIRED {
            if inputs.text(name)?.is_some() {
                given.push(name);
            }
        }
        if given.is_empty() {
            return Ok(None);
        }
        if given.len() < REQUIRED.len() {
            let missing: Vec<&str> = REQUIRED
                .into_iter()
                .filter(|n| !given.contains(n))
                .collect();
            return Err(InputError(format!(
                "failure emails need all of {}; missing: {}",
                REQUIRED.join(", "),
                missing.join(", ")
            )));
        }

        let port = port.unwrap_or_default();
        let port = u16::try_from(port)
            .ok()
            .filter(|port| *port > 0)
            .ok_or_else(|| {
                InputError(format!(
                    "the parameter 'smtp_port' must be from 1 to 65535, got {port}"
                ))
            })?;
        let address = |name: &str, text: &str| {
            text.trim().parse::<Mailbox>().map_err(|err| {
                InputError(format!(
                    "the parameter '{name}' holds '{text}', not an email address \
                    ({err})"
                ))
            })
        };
        let from = address("from_email", &inputs.required_text("from_email")?)?;
        let recipients = inputs.required_text("email_notification_ids")?;
        let to = split_addresses(&recipients)
            .into_iter()
            .map(|text| address("email_notification_ids", text))
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err(InputError(
                "the parameter 'email_notification_ids' holds no address; give one or more \
                 email addresses separated by commas"
                    .into(),
            ));
        }
        Ok(Some(EmailSettings {
            server: inputs.required_text("smtp_server")?,
            port,
            from,
            to,
            credentials,
            trust_any_certificate: inputs.flag("insecure")?.unwrap_or(false),
        }))
    }

    /// Sends the plain-text email to every recipient: one message, or several when the
    /// recipients would not fit on one `To:` line (SMTP limits a line to 1,000 characters).
    pub fn send(&self, body: &str) -> Result<(), String> {
        let mut groups: Vec<Vec<&Mailbox>> = Vec::new();
        let mut width = 0;
        for recipient in &self.to {
            let length = recipient.to_string().len() + 2;
            match groups.last_mut() {
                Some(group) if width + length <= MAX_TO_LINE => group.push(recipient),
                _ => {
                    groups.push(vec![recipient]);
                    width = 0;
                }
            }
            width += length;
        }

        let transport = self.transport()?;
        for group in groups {
            let mut message = Message::builder().from(self.from.clone()).subject(SUBJECT);
            for recipient in group {
                message = message.to(recipient.clone());
            }
            let message = message
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_string())
                .map_err(|err| format!("the email could not be built: {err}"))?;
            transport.send(&message).map_err(|err| {
                format!(
                    "the failure email could not be sent through {}:{}: {err}",
                    self.server, self.port
                )
            })?;
        }
        Ok(())
    }

    /// The SMTP connection settings.
    fn transport(&self) -> Result<SmtpTransport, String> {
        let tls = TlsParameters::builder(self.server.clone())
            .dangerous_accept_invalid_certs(self.trust_any_certificate)
            .dangerous_accept_invalid_hostnames(self.trust_any_certificate)
            .build()
            .map_err(|err| format!("TLS for {} could not be set up: {err}", self.server))?;
        let mut transport = SmtpTransport::builder_dangerous(&self.server)
            .port(self.port)
            // With a login, TLS is required so the password never crosses in the clear.
            .tls(if self.credentials.is_some() {
                Tls::Required(tls)
            } else {
                Tls::Opportunistic(tls)
            })
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, password)) = &self.credentials {
            transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(transport.build())
    }
}

/// Longest `To:` line written, leaving room under SMTP's 1,000-character line limit.
const MAX_TO_LINE: usize = 900;

/// Splits a list of addresses at the commas outside quotes and angle brackets, so a display
/// name such as `"Ops, Team" <ops@example.com>` stays whole.
fn split_addresses(list: &str) -> Vec<&str> {
    let mut addresses = Vec::new();
    let (mut start, mut quoted, mut bracketed) = (0, false, false);
    for (index, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => bracketed = true,
            '>' if !quoted => bracketed = false,
            ',' if !quoted && !bracketed => {
                addresses.push(&list[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    addresses.push(&list[start..]);
    addresses
        .into_iter()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .collect()
}

/// The optional SMTP login: both parts or neither, without control characters.
fn smtp_login(inputs: &Inputs) -> Result<Option<(String, String)>, InputError> {
    let refuse = |why: &str| {
        Err(InputError(format!(
            "the parameter 'smtp_credentials' {why}"
        )))
    };
    let Some(object) = inputs.object("smtp_credentials", "SMTP user and password")? else {
        return Ok(None);
    };
    let mut parts = Vec::new();
    for key in ["identifier", "password"] {
        match object.get(key) {
            None | Some(Value::Null) => parts.push(String::new()),
            Some(Value::String(text)) if text.chars().any(char::is_control) => {
                return refuse("holds control characters; type the user and password again");
            }
            Some(Value::String(text)) => parts.push(text.trim().to_string()),
            Some(_) => return refuse(&format!("has a '{key}' that is not text")),
        }
    }
    match (parts[0].as_str(), parts[1].as_str()) {
        ("", "") => Ok(None),
        ("", _) | (_, "") => {
            refuse("needs both a user and a password, or neither to send without a login")
        }
        (user, password) => Ok(Some((user.to_string(), password.to_string()))),
    }
}

/// What a failure email says, for a person reading it.
pub struct FailureReport<'a> {
    /// When the fetch failed.
    pub when: &'a str,
    /// The integration instance.
    pub instance: &'a str,
    /// The Okta org queried, as the `url` parameter names it.
    pub org: &'a str,
    /// The System Log filter, if any.
    pub query: Option<&'a str>,
    /// What went wrong.
    pub error: &'a str,
}

impl FailureReport<'_> {
    /// The plain-text body.
    pub fn body(&self) -> String {
        format!(
            "Fetching Okta System Log events failed.\n\n\
             When: {}\nInstance: {}\nOkta org: {}\nQuery: {}\nError: {}\n\n\
             The saved position was not changed: the next fetch tries again from it.\n",
            self.when,
            self.instance,
            self.org,
            self.query.unwrap_or("(every event type)"),
            self.error
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(params: Value) -> Result<Option<EmailSettings>, InputError> {
        EmailSettings::from_params(params.as_object().unwrap())
    }

    #[test]
    fn no_email_parameters_means_no_email() {
        assert!(settings(json!({})).unwrap().is_none());
    }

    #[test]
    fn recipients_are_split_and_trimmed() {
        let email = settings(json!({"smtp_server": "mail.local", "smtp_port": "25",
            "from_email": "okta@example.com",
            "email_notification_ids": " a@example.com, b@example.com ,"}))
        .unwrap()
        .unwrap();
        let to: Vec<String> = email.to.iter().map(|m| m.email.to_string()).collect();
        assert_eq!(to, ["a@example.com", "b@example.com"]);
        assert_eq!(email.port, 25);
    }

    #[test]
    fn a_recipient_list_of_separators_and_a_half_login_are_refused() {
        let base = json!({"smtp_server": "m", "smtp_port": 25, "from_email": "a@example.com",
            "email_notification_ids": " , "});
        assert!(settings(base).unwrap_err().0.contains("holds no address"));
        let half = json!({"smtp_server": "m", "smtp_port": 25, "from_email": "a@example.com",
            "email_notification_ids": "b@example.com",
            "smtp_credentials": {"identifier": "", "password": "pw"}});
        assert!(
            settings(half)
                .unwrap_err()
                .0
                .contains("needs both a user and a password")
        );
    }

    #[test]
    fn partial_or_invalid_settings_are_named() {
        let partial = settings(json!({"smtp_server": "mail.local"})).unwrap_err();
        assert!(
            partial
                .0
                .contains("missing: smtp_port, from_email, email_notification_ids")
        );
        let port = settings(json!({"smtp_server": "m", "smtp_port": 70000,
            "from_email": "a@example.com", "email_notification_ids": "b@example.com"}));
        assert!(
            port.unwrap_err()
                .0
                .contains("'smtp_port' must be from 1 to 65535")
        );
        let address = settings(json!({"smtp_server": "m", "smtp_port": 25,
            "from_email": "a@example.com", "email_notification_ids": "b@example.com, nope"}));
        assert!(
            address
                .unwrap_err()
                .0
                .contains("holds 'nope', not an email address")
        );
    }

    #[test]
    fn body_names_what_failed_when_and_the_query() {
        let body = FailureReport {
            when: "2026-12-03T10:00:00.000Z",
            instance: "OktaITAdmin",
            org: "https://x.okta.com/api/v1",
            query: None,
            error: "boom",
        }
        .body();
        assert!(body.contains("When: 2026-12-03T10:00:00.000Z\n"));
        assert!(body.contains("Query: (every event type)\n"));
        assert!(body.contains("Error: boom\n"));
    }
}
