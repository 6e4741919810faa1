//! A failing fetch emails the operators through a real SMTP server on loopback, without the
//! token and without moving the fetch position.

mod common;

use serde_json::{Value, json};

use common::TOKEN;
use common::smtp::SmtpServer;
use okta_it_admin::sim::{Fault, FaultKind, OktaSim, Seed};

/// The simulator's default seed, whose token is the test token.
fn seed() -> Seed {
    Seed::default()
}

fn failing_fetch(sim: &OktaSim, smtp_port: u16) -> Value {
    let envelope = json!({"command": "fetch-incidents",
        "params": {"url": sim.base_url(), "apitoken": TOKEN,
                   "fetchLogsQuery": "eventType eq \"user.session.start\"",
                   "smtp_server": "127.0.0.1", "smtp_port": smtp_port.to_string(),
                   "from_email": "okta-it-admin@example.com",
                   "email_notification_ids": "soc@example.com, oncall@example.com "},
        "lastRun": {"nextLink": format!("{}/api/v1/logs?after=1_1&limit=1000", sim.base_url())},
        "context": {"IntegrationInstance": "OktaITAdmin"}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    assert_eq!(output.exit_code, 1);
    output.document
}

/// An okta-sim whose next System Log request fails with a 403.
fn failing_sim() -> OktaSim {
    let sim = OktaSim::start(seed(), 0).expect("okta-sim starts");
    sim.add_fault(
        Fault::new(FaultKind::Status)
            .on_path("/api/v1/logs")
            .with_status(403),
    );
    sim
}

/// The message text with quoted-printable soft line breaks removed.
fn unfold(data: &str) -> String {
    data.replace("=\r\n", "").replace("=\n", "")
}

#[test]
fn a_failed_fetch_sends_one_email_to_every_operator() {
    let smtp = SmtpServer::start();
    let sim = failing_sim();

    let document = failing_fetch(&sim, smtp.port);
    assert_eq!(document.get("lastRun"), None);
    assert_eq!(document.get("incidents"), None);

    let received = smtp.received();
    assert_eq!(received.len(), 1, "{received:#?}");
    let mail = &received[0];
    assert!(
        mail.from.contains("okta-it-admin@example.com"),
        "{}",
        mail.from
    );
    let mut to = mail.to.clone();
    to.sort();
    assert!(
        to[0].contains("oncall@example.com") && to[1].contains("soc@example.com"),
        "{to:?}"
    );
    assert!(
        mail.data
            .contains("Subject: ERROR: Okta Fetch Events Failed"),
        "{}",
        mail.data
    );
    let text = unfold(&mail.data).replace("=3D", "=");
    assert!(
        text.contains("Query: eventType eq \"user.session.start\""),
        "{text}"
    );
    assert!(text.contains("Okta answered HTTP 403"), "{text}");
    assert!(text.contains("Instance: OktaITAdmin"), "{text}");
    assert!(!text.contains(TOKEN));
    let logs = document["logs"].to_string();
    assert!(
        logs.contains("sent the failure email to 2 recipient(s)"),
        "{logs}"
    );
}

#[test]
fn a_token_echoed_in_the_error_never_reaches_the_email() {
    let smtp = SmtpServer::start();
    let sim = OktaSim::start(seed(), 0).expect("okta-sim starts");
    // The saved link below carries the token, as an echoing proxy might; the error quotes the
    // link, and the email must still not carry the token.
    let envelope = json!({"command": "fetch-incidents",
        "params": {"url": sim.base_url(), "apitoken": TOKEN,
                   "smtp_server": "127.0.0.1", "smtp_port": smtp.port,
                   "from_email": "a@example.com", "email_notification_ids": "b@example.com"},
        "lastRun": {"nextLink": format!("https://elsewhere.example/{TOKEN}")}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    assert_eq!(output.exit_code, 1);
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    let text = unfold(&received[0].data);
    assert!(!text.contains(TOKEN), "{text}");
    assert!(
        text.contains("https://elsewhere.example/<redacted>"),
        "{text}"
    );
    assert!(!output.document.to_string().contains(TOKEN));
}

#[test]
fn a_failure_to_send_is_added_to_the_original_error() {
    let sim = failing_sim();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = closed.local_addr().expect("address").port();
    drop(closed);

    let document = failing_fetch(&sim, port);
    let error = document["error"].as_str().expect("error");
    assert!(
        error.starts_with(
            "Failed to execute fetch-incidents command. Error: Okta answered \
        HTTP 403"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            ". In addition, the failure email could not be sent through \
        127.0.0.1:"
        ),
        "{error}"
    );
}

#[test]
fn without_all_four_email_parameters_no_email_is_attempted() {
    let sim = failing_sim();
    let envelope = json!({"command": "fetch-incidents",
        "params": {"url": sim.base_url(), "apitoken": TOKEN}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    let error = output.document["error"].as_str().expect("error");
    assert!(!error.contains("email"), "{error}");
}

/// Runs a failing fetch that emails through `smtp`, trusting any certificate or not.
fn failing_fetch_trusting(sim: &OktaSim, smtp: &SmtpServer, insecure: bool) -> Value {
    let envelope = json!({"command": "fetch-incidents",
        "params": {"url": sim.base_url(), "apitoken": TOKEN, "insecure": insecure,
                   "smtp_server": "127.0.0.1", "smtp_port": smtp.port,
                   "from_email": "a@example.com", "email_notification_ids": "b@example.com"}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    assert_eq!(output.exit_code, 1);
    output.document
}

/// Given an SMTP server offering STARTTLS with a self-signed certificate, the email goes over
/// TLS: its certificate is checked (and refused) unless `insecure` trusts any certificate.
#[test]
fn starttls_is_used_when_the_server_offers_it() {
    let sim = OktaSim::start(seed(), 0).expect("okta-sim starts");
    let smtp = SmtpServer::start_with_starttls();

    sim.add_fault(
        Fault::new(FaultKind::Status)
            .on_path("/api/v1/logs")
            .with_status(403),
    );
    let refused = failing_fetch_trusting(&sim, &smtp, false);
    let error = refused["error"].as_str().expect("error");
    assert!(
        error.contains("the failure email could not be sent"),
        "{error}"
    );
    assert!(
        error.to_ascii_lowercase().contains("certificate"),
        "{error}"
    );
    assert!(smtp.received().is_empty());

    sim.add_fault(
        Fault::new(FaultKind::Status)
            .on_path("/api/v1/logs")
            .with_status(403),
    );
    let sent = failing_fetch_trusting(&sim, &smtp, true);
    assert!(
        !sent["error"].as_str().expect("error").contains("email"),
        "{}",
        sent["error"]
    );
    assert_eq!(smtp.received().len(), 1);
}

#[test]
fn an_unusable_email_setting_is_added_after_the_fetch_error() {
    let sim = failing_sim();
    let envelope = json!({"command": "fetch-incidents",
        "params": {"url": sim.base_url(), "apitoken": TOKEN, "smtp_server": "127.0.0.1"}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    let error = output.document["error"].as_str().expect("error");
    assert!(
        error.starts_with(
            "Failed to execute fetch-incidents command. Error: Okta answered \
        HTTP 403"
        ),
        "{error}"
    );
    assert!(
        error.contains(". In addition, no failure email was sent: failure emails need all"),
        "{error}"
    );
}

#[test]
fn a_long_recipient_list_reaches_everyone_within_smtp_line_limits() {
    let smtp = SmtpServer::start();
    let sim = failing_sim();
    let recipients: Vec<String> = (0..25)
        .map(|i| format!("operator-number-{i:02}@security-team.example.com"))
        .collect();
    let named = format!(
        "\"Ops, Night Shift\" <night@example.com>, {}",
        recipients.join(", ")
    );
    let envelope = json!({"command": "fetch-incidents",
        "params": {"url": sim.base_url(), "apitoken": TOKEN, "smtp_server": "127.0.0.1",
                   "smtp_port": smtp.port, "from_email": "a@example.com",
                   "email_notification_ids": named}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    let error = output.document["error"].as_str().expect("error");
    assert!(!error.contains("email"), "{error}");

    let received = smtp.received();
    assert!(
        received.len() >= 2,
        "one To: line would pass 1,000 characters"
    );
    let mut delivered: Vec<String> = received.iter().flat_map(|mail| mail.to.clone()).collect();
    delivered.sort();
    assert_eq!(delivered.len(), 26);
    assert!(delivered.iter().any(|to| to.contains("night@example.com")));
    for mail in &received {
        assert!(
            mail.data.lines().all(|line| line.len() <= 998),
            "a line over SMTP's limit"
        );
    }
}
