//! How the integration behaves when Okta, the network or the path to Okta misbehaves: rate
//! limits, outages (5xx), dropped connections, slow answers, bodies that are not JSON, proxies
//! and certificates. Okta is okta-sim in-process, or a small loopback stand-in where okta-sim
//! cannot misbehave in the way needed; nothing leaves the machine.
//!
//! These tests run the real retry loop, so some of them sleep for the waits they check (a few
//! seconds each; the test threads run them side by side).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use okta_it_admin::sim::{DEFAULT_TOKEN, Fault, FaultKind, JournalEntry, OktaSim, Seed};
use serde_json::{Value, json};

const PROVISIONED_ID: &str = "00utiigb9kCWr4rzE0h7";

fn seed() -> Seed {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/sim/seed.json");
    Seed::from_file(path).expect("seed loads")
}

fn start() -> OktaSim {
    OktaSim::start(seed(), 0).expect("okta-sim starts")
}

/// An envelope for `command` against `url`, with extra parameters merged in.
fn envelope(url: &str, command: &str, args: Value, extra_params: Value) -> Vec<u8> {
    let mut params = json!({"url": url, "apitoken": DEFAULT_TOKEN});
    if let (Some(params), Some(extra)) = (params.as_object_mut(), extra_params.as_object()) {
        params.extend(extra.clone());
    }
    json!({"command": command, "params": params, "args": args})
        .to_string()
        .into_bytes()
}

/// Runs an envelope in-process; returns the document, the exit code and the time it took.
fn run(input: &[u8]) -> (Value, i32, Duration) {
    let started = Instant::now();
    let output = okta_it_admin::run(input);
    (output.document, output.exit_code, started.elapsed())
}

fn error_of(document: &Value) -> &str {
    document["error"].as_str().unwrap_or_default()
}

fn logs_of(document: &Value) -> Vec<String> {
    document["logs"]
        .as_array()
        .map(|logs| {
            logs.iter()
                .filter_map(|log| log["message"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn requests(sim: &OktaSim, method: &str) -> Vec<JournalEntry> {
    sim.journal()
        .into_iter()
        .filter(|entry| entry.method == method)
        .collect()
}

fn get_provisioned_user(sim: &OktaSim) -> Vec<u8> {
    let args = json!({"scim": {"id": PROVISIONED_ID}});
    envelope(&sim.base_url(), "get-user", args, json!({}))
}

fn create_user(sim: &OktaSim, login: &str) -> Vec<u8> {
    let scim = json!({"userName": login, "name": {"givenName": "New", "familyName": "User"},
        "emails": [{"type": "work", "primary": true, "value": login}]});
    envelope(
        &sim.base_url(),
        "create-user",
        json!({ "scim": scim }),
        json!({}),
    )
}

// Rate limits

/// Given okta-sim answers the first /users/me with a 429 whose reset is one second after its
/// `Date`, when test-module runs, then it waits reset − Date + 1 = 2 s (and not much longer),
/// retries with `X-Okta-Retry-For`/`X-Okta-Retry-Count`, and succeeds.
#[test]
fn a_429_on_the_first_call_succeeds_after_the_wait_the_headers_call_for() {
    for kind in [FaultKind::RateLimit, FaultKind::ConcurrencyLimit] {
        let sim = start();
        sim.add_fault(
            Fault::new(kind)
                .on_path("/api/v1/users/me")
                .with_reset_secs(1),
        );
        let (document, code, elapsed) = run(&envelope(
            &sim.base_url(),
            "test-module",
            json!({}),
            json!({}),
        ));

        assert_eq!(code, 0, "{kind:?}: {document}");
        assert_eq!(document["results"][0]["Contents"], "ok");
        assert!(
            elapsed >= Duration::from_secs(2),
            "{kind:?} waited {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_secs(5),
            "{kind:?} waited {elapsed:?}"
        );
        let journal = sim.journal();
        assert_eq!(journal.len(), 2, "{kind:?}");
        assert_eq!(journal[1].header("x-okta-retry-count"), Some("1"));
        assert!(
            journal[1]
                .header("x-okta-retry-for")
                .is_some_and(|id| !id.is_empty())
        );
        let logs = logs_of(&document);
        assert!(
            logs[0].starts_with("GET /api/v1/users/me answered HTTP 429")
                && logs[0].ends_with("retrying in 2 s (retry 1 of 3)"),
            "{logs:?}"
        );
    }
}

#[test]
fn a_429_without_a_reset_fails_at_once_with_a_clear_error() {
    let sim = start();
    sim.add_fault(Fault::new(FaultKind::RateLimitNoReset));
    let (document, code, elapsed) = run(&get_provisioned_user(&sim));
    assert_eq!(code, 1);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let error = error_of(&document);
    assert!(
        error.starts_with(&format!(
            "Failed to execute get-user command. Error: Okta answered HTTP 429 E0000047 to GET \
             /api/v1/users/{PROVISIONED_ID}: API call exceeded rate limit due to too many \
             requests. (request id "
        )),
        "{error}"
    );
    assert!(
        error.ends_with(
            "Okta throttled the call (its rate limit) without saying when to try again (the \
             answer has no X-Rate-Limit-Reset header), so it was not retried; try again in a \
             minute"
        ),
        "{error}"
    );
    assert_eq!(sim.journal().len(), 1);
}

#[test]
fn a_429_asking_for_too_long_a_wait_says_when_to_try_again() {
    let sim = start();
    sim.add_fault(Fault::new(FaultKind::RateLimit).with_reset_secs(600));
    let (document, code, elapsed) = run(&get_provisioned_user(&sim));
    assert_eq!(code, 1);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let error = error_of(&document);
    assert!(
        error.contains("Okta throttled the call (its rate limit) and asked for a wait of 601 s"),
        "{error}"
    );
    let again = error.rsplit("try again after ").next().unwrap_or_default();
    assert!(
        chrono::DateTime::parse_from_rfc3339(again).is_ok(),
        "{error}"
    );
}

// Outages (5xx) and dropped connections

#[test]
fn repeated_5xx_on_a_get_succeed_within_the_retry_bound() {
    let sim = start();
    sim.add_fault(
        Fault::new(FaultKind::Status)
            .with_status(503)
            .on_method("GET")
            .times(2),
    );
    let (document, code, elapsed) = run(&get_provisioned_user(&sim));
    assert_eq!(code, 0, "{document}");
    let context = &document["results"][0]["Contents"];
    assert_eq!(context["id"], PROVISIONED_ID);
    assert_eq!(requests(&sim, "GET").len(), 3);
    // Backoff 0.5 s then 1 s.
    assert!(elapsed >= Duration::from_millis(1500), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let logs = logs_of(&document);
    assert!(
        logs[0].ends_with("retrying in 0.5 s (retry 1 of 3)"),
        "{logs:?}"
    );
    assert!(
        logs[1].ends_with("retrying in 1 s (retry 2 of 3)"),
        "{logs:?}"
    );
}

#[test]
fn persistent_5xx_on_a_get_fail_with_a_clear_error() {
    let sim = start();
    sim.add_fault(Fault::new(FaultKind::Status).with_status(504).times(100));
    let (document, code, elapsed) = run(&get_provisioned_user(&sim));
    assert_eq!(code, 1);
    let error = error_of(&document);
    assert!(
        error.starts_with(&format!(
            "Failed to execute get-user command. Error: Okta answered HTTP 504 E0000009 to GET \
             /api/v1/users/{PROVISIONED_ID}:"
        )),
        "{error}"
    );
    assert!(
        error.ends_with(
            "Okta failed to answer. It was retried 3 time(s) without success; Okta may be \
             having an outage, so try again later"
        ),
        "{error}"
    );
    assert_eq!(requests(&sim, "GET").len(), 4);
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
}

/// Given Okta answers the create with a 500, when create-user runs, then exactly one POST was
/// sent, and the error says it was not retried because it may have reached Okta.
#[test]
fn a_5xx_on_create_is_not_retried() {
    let sim = start();
    sim.add_fault(
        Fault::new(FaultKind::Status)
            .with_status(500)
            .on_method("POST")
            .on_path("/api/v1/users"),
    );
    let (document, code, _) = run(&create_user(&sim, "fresh.user@example.com"));
    assert_eq!(code, 1, "{document}");
    assert_eq!(requests(&sim, "POST").len(), 1);
    let error = error_of(&document);
    assert!(
        error.contains("It was not retried, because the request may have reached Okta"),
        "{error}"
    );
}

#[test]
fn a_dropped_connection_is_retried_for_a_get_but_not_for_a_create() {
    let sim = start();
    sim.add_fault(Fault::new(FaultKind::Drop).on_method("GET"));
    let (document, code, _) = run(&get_provisioned_user(&sim));
    assert_eq!(code, 0, "{document}");
    assert_eq!(requests(&sim, "GET").len(), 2);

    sim.add_fault(Fault::new(FaultKind::Drop).on_method("POST"));
    let (document, code, _) = run(&create_user(&sim, "dropped.user@example.com"));
    assert_eq!(code, 1, "{document}");
    assert_eq!(requests(&sim, "POST").len(), 1);
    let error = error_of(&document);
    assert!(
        error.contains("POST /api/v1/users failed: the connection closed before Okta's answer"),
        "{error}"
    );
    assert!(error.contains("It was not retried"), "{error}");
}

// Timeouts

#[test]
fn a_slow_answer_beyond_the_timeout_is_a_clear_error() {
    let sim = start();
    sim.add_fault(Fault::new(FaultKind::Slow).with_delay_ms(3000));
    let input = envelope(
        &sim.base_url(),
        "test-module",
        json!({}),
        json!({"timeout": "1"}),
    );
    let (document, code, elapsed) = run(&input);
    assert_eq!(code, 1);
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    let error = error_of(&document);
    assert!(
        error.starts_with(
            "Failed to execute test-module command. Error: GET /api/v1/users/me failed: Okta \
             did not answer within the 1 s timeout"
        ),
        "{error}"
    );
    assert!(
        error.contains("raise the 'timeout' parameter (seconds, default 60)"),
        "{error}"
    );
    assert_eq!(sim.journal().len(), 1);
}

// Answers that are not JSON

#[test]
fn non_json_bodies_give_clear_errors() {
    let sim = start();
    sim.add_fault(Fault::new(FaultKind::NonJson).with_status(200));
    let (document, code, _) = run(&get_provisioned_user(&sim));
    assert_eq!(code, 1);
    assert_eq!(
        error_of(&document),
        format!(
            "Failed to execute get-user command. Error: GET /api/v1/users/{PROVISIONED_ID} \
             failed: Okta answered HTTP 200 with a body that is not JSON: \"<!DOCTYPE html> \
             <html><head><title>200 Error</title></head><body><h1>200 Error</h1><p>The server \
             encountered a temporary error.</p></body></html>\"; check the 'url' parameter and \
             any proxy"
        )
    );

    // A proxy's HTML error page with a 502 is retried like any 502 on a GET.
    sim.add_fault(Fault::new(FaultKind::NonJson).times(100));
    let (document, code, _) = run(&get_provisioned_user(&sim));
    assert_eq!(code, 1);
    let error = error_of(&document);
    assert!(
        error.contains("failed: Okta answered HTTP 502 with a body that is not JSON: \"<!DOCTYPE"),
        "{error}"
    );
    assert!(
        error.ends_with(
            "It was retried 3 time(s) without success; Okta may be having an outage, so try \
             again later"
        ),
        "{error}"
    );
}

#[test]
fn an_empty_body_where_json_is_due_is_a_clear_error() {
    let exchange = json!({"request": {"method": "GET", "path": "/api/v1/users/00u1"},
        "response": {"status": 200, "bodyText": ""}});
    let envelope = common::envelope("get-user", json!({"scim": {"id": "00u1"}}));
    let report = common::replay_all(envelope, vec![exchange]);
    assert_eq!(
        report.output.document["error"],
        "Failed to execute get-user command. Error: GET /api/v1/users/00u1 failed: Okta \
         answered HTTP 200 with an empty body where JSON was expected; check the 'url' \
         parameter and any proxy"
    );
}

/// A loopback server that answers every connection with the same raw bytes and then closes it,
/// up to `connections` times; returns its URL.
fn raw_server(answer: Vec<u8>, connections: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            let _ = read_head(&mut stream);
            let _ = stream.write_all(&answer);
            let _ = stream.flush();
        }
    });
    url
}

/// Reads an HTTP request head (up to the blank line) and returns it.
fn read_head(stream: &mut impl Read) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

#[test]
fn a_truncated_body_is_a_clear_error() {
    // The connection closes 30 bytes into a 500-byte body: a dropped connection, so the GET is
    // retried, then reported.
    let partial = "{\"id\":\"00u1\",\"status\":\"ACTI";
    let cut = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n\
         {partial}"
    );
    let url = raw_server(cut.into_bytes(), 4);
    let input = envelope(&url, "get-user", json!({"scim": {"id": "00u1"}}), json!({}));
    let (document, code, _) = run(&input);
    assert_eq!(code, 1);
    let error = error_of(&document);
    assert!(
        error.starts_with(
            "Failed to execute get-user command. Error: GET /api/v1/users/00u1 failed: Okta's \
             answer (HTTP 200) broke off before its end"
        ),
        "{error}"
    );
    assert!(error.contains("It was retried 3 time(s)"), "{error}");

    // A body cut short but complete as far as HTTP goes is simply not JSON.
    let short = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{partial}",
        partial.len()
    );
    let url = raw_server(short.into_bytes(), 1);
    let input = envelope(&url, "get-user", json!({"scim": {"id": "00u1"}}), json!({}));
    let (document, code, _) = run(&input);
    assert_eq!(code, 1);
    assert_eq!(
        error_of(&document),
        "Failed to execute get-user command. Error: GET /api/v1/users/00u1 failed: Okta \
         answered HTTP 200 with a body that is not JSON: \"{\"id\":\"00u1\",\"status\":\"ACTI\"; \
         check the 'url' parameter and any proxy"
    );
}

// Proxies

/// A CONNECT proxy stand-in on loopback: it records each request head, answers `200`, and
/// relays bytes to the target. It serves until the test process ends.
struct ConnectProxy {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&heads);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let recorded = Arc::clone(&recorded);
                thread::spawn(move || tunnel(client, &recorded));
            }
        });
        ConnectProxy { url, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads
            .lock()
            .map(|heads| heads.clone())
            .unwrap_or_default()
    }
}

fn tunnel(mut client: TcpStream, heads: &Mutex<Vec<String>>) {
    let Ok(head) = read_head(&mut client) else {
        return;
    };
    if let Ok(mut heads) = heads.lock() {
        heads.push(head.clone());
    }
    let target = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("CONNECT "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default()
        .to_string();
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (Ok(mut client_reader), Ok(mut upstream_writer)) =
        (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let upward = thread::spawn(move || {
        let _ = std::io::copy(&mut client_reader, &mut upstream_writer);
        let _ = upstream_writer.shutdown(std::net::Shutdown::Write);
    });
    let mut upstream_reader = upstream;
    let _ = std::io::copy(&mut upstream_reader, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Both);
    let _ = upward.join();
}

/// Runs the binary with `envelope` on stdin and only the given proxy variables set.
fn binary_with_proxy_env(envelope: &[u8], vars: &[(&str, &str)]) -> Value {
    let proxy_variables = [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ];
    let run = common::run_binary(envelope, &proxy_variables, vars);
    run.document().unwrap_or_else(|why| panic!("{why}"))
}

/// Given HTTP_PROXY names a loopback proxy with credentials, when test-module runs with
/// `proxy: true`, then the request went through the proxy with those credentials; with
/// `proxy: false`, or with the Okta host in NO_PROXY, it did not.
#[test]
fn the_proxy_parameter_decides_whether_the_environment_proxy_is_used() {
    let sim = start();
    let proxy = ConnectProxy::start();
    let proxy_url = proxy.url.replace("http://", "http://squid:s3cret@");
    let sim_host = sim.base_url().replace("http://", "");
    let test_module = |proxy_flag: bool| {
        envelope(
            &sim.base_url(),
            "test-module",
            json!({}),
            json!({ "proxy": proxy_flag }),
        )
    };

    let document = binary_with_proxy_env(&test_module(true), &[("HTTP_PROXY", &proxy_url)]);
    assert_eq!(document["error"], Value::Null, "{document}");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT {sim_host} HTTP/1.1")),
        "{heads:?}"
    );
    // base64("squid:s3cret")
    assert!(
        heads[0].contains("Proxy-Authorization: Basic c3F1aWQ6czNjcmV0"),
        "{heads:?}"
    );
    assert_eq!(sim.journal().len(), 1);

    let document = binary_with_proxy_env(&test_module(false), &[("HTTP_PROXY", &proxy_url)]);
    assert_eq!(document["error"], Value::Null, "{document}");
    assert_eq!(
        proxy.heads().len(),
        1,
        "the proxy was used without the 'proxy' parameter"
    );

    let bypass = [
        ("HTTP_PROXY", proxy_url.as_str()),
        ("NO_PROXY", "127.0.0.1"),
    ];
    let document = binary_with_proxy_env(&test_module(true), &bypass);
    assert_eq!(document["error"], Value::Null, "{document}");
    assert_eq!(proxy.heads().len(), 1, "NO_PROXY was not honoured");
    assert_eq!(sim.journal().len(), 3);
}

#[test]
fn an_unreachable_proxy_is_a_clear_error() {
    let sim = start();
    let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
    let dead = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let input = envelope(
        &sim.base_url(),
        "test-module",
        json!({}),
        json!({"proxy": true}),
    );
    let document = binary_with_proxy_env(&input, &[("HTTP_PROXY", &dead)]);
    let error = document["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with(
            "Failed to execute test-module command. Error: GET /api/v1/users/me failed:"
        ),
        "{error}"
    );
    assert!(error.contains("any proxy"), "{error}");
    assert!(sim.journal().is_empty());
}

// Certificates

/// A loopback HTTPS server with a fresh self-signed certificate; every request that gets
/// through the handshake is answered with `answer` as JSON.
fn self_signed_server(answer: Value) -> String {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("certificate generated");
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
    let port = listener.local_addr().expect("address").port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(connection) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut reader = BufReader::new(&mut tls);
            let mut line = String::new();
            // The handshake happens on the first read; a client refusing the certificate
            // ends it here.
            let mut head_ok = false;
            while reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                if line == "\r\n" {
                    head_ok = true;
                    break;
                }
                line.clear();
            }
            drop(reader);
            if head_ok {
                let body = answer.to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        }
    });
    format!("https://localhost:{port}")
}

#[test]
fn a_self_signed_certificate_is_a_certificate_error_unless_insecure() {
    let admin = json!({"id": "00uadmin", "status": "ACTIVE",
        "profile": {"login": "admin@example.com"}});
    let url = self_signed_server(admin);

    let verified = envelope(&url, "test-module", json!({}), json!({}));
    let (document, code, _) = run(&verified);
    assert_eq!(code, 1);
    let error = error_of(&document);
    assert!(
        error.starts_with(
            "Failed to execute test-module command. Error: GET /api/v1/users/me failed: Okta's \
             TLS certificate was not accepted"
        ),
        "{error}"
    );
    assert!(error.contains("This is a certificate problem"), "{error}");

    let insecure = envelope(&url, "test-module", json!({}), json!({"insecure": true}));
    let (document, code, _) = run(&insecure);
    assert_eq!(code, 0, "{document}");
    assert_eq!(document["results"][0]["Contents"], "ok");
}
