//! fetch-incidents against okta-sim: every matching System Log event becomes exactly one
//! incident across runs, whatever the page cuts, appends, shared timestamps and late arrivals;
//! failures keep the position; the interval gate and backlog behave as documented.

mod common;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use common::TOKEN;
use okta_it_admin::sim::{Fault, FaultKind, OktaSim, Seed};

const QUERY: &str = "eventType eq \"user.session.start\"";

/// A System Log event of the given type, published `minutes_ago` (all of a group share it).
fn event(uuid: String, event_type: &str, published: &str) -> Value {
    json!({
        "uuid": uuid, "published": published, "eventType": event_type, "version": "0",
        "severity": "INFO", "displayMessage": "User login to Okta",
        "actor": {"id": "00u1", "type": "User", "alternateId": "ann@example.com",
                  "displayName": "Ann Lee"},
        "outcome": {"result": "SUCCESS"}
    })
}

fn iso(time: chrono::DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `count` events from `start` on; every third is of another type; five at a time share one
/// millisecond.
fn events(prefix: &str, count: usize, start: chrono::DateTime<Utc>) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let kind = if i % 3 == 2 {
                "user.lifecycle.create"
            } else {
                "user.session.start"
            };
            let published = iso(start + Duration::milliseconds((i / 5) as i64));
            event(format!("{prefix}-{i:05}"), kind, &published)
        })
        .collect()
}

fn sim_with(events: Vec<Value>) -> OktaSim {
    let seed = Seed {
        log_events: events,
        ..Seed::default()
    };
    OktaSim::start(seed, 0).expect("okta-sim starts")
}

fn fetch(sim: &OktaSim, params: Value, last_run: &Map<String, Value>) -> (Value, i32) {
    let mut all = json!({"url": sim.base_url(), "apitoken": TOKEN, "fetchLogsQuery": QUERY,
        "first_fetch": "1 day", "incidentType": "Okta Event"});
    for (key, value) in params.as_object().expect("params object") {
        all[key] = value.clone();
    }
    let envelope = json!({"command": "fetch-incidents", "params": all, "lastRun": last_run,
        "context": {"IntegrationInstance": "OktaITAdmin"}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    (output.document, output.exit_code)
}

/// The uuids of a document's incidents, in order.
fn incident_ids(document: &Value) -> Vec<String> {
    document["incidents"]
        .as_array()
        .expect("incidents list")
        .iter()
        .map(|incident| {
            let raw: Value = serde_json::from_str(incident["rawJSON"].as_str().expect("rawJSON"))
                .expect("rawJSON is an event");
            raw["uuid"].as_str().expect("uuid").to_string()
        })
        .collect()
}

fn matching_ids(sim: &OktaSim) -> HashSet<String> {
    sim.log_events()
        .iter()
        .filter(|event| event["eventType"] == "user.session.start")
        .map(|event| event["uuid"].as_str().expect("uuid").to_string())
        .collect()
}

/// Runs fetches until one returns nothing without a backlog, appending `appends[i]` before run
/// `i + 1`; returns every incident id in delivery order.
fn drain(sim: &OktaSim, max_fetch: u64, mut appends: Vec<Vec<Value>>) -> Vec<String> {
    let mut delivered = Vec::new();
    let mut last_run = Map::new();
    appends.reverse();
    for _ in 0..2000 {
        let (document, code) = fetch(sim, json!({"max_fetch": max_fetch}), &last_run);
        assert_eq!(code, 0, "{}", document["error"]);
        let ids = incident_ids(&document);
        assert!(ids.len() as u64 <= max_fetch);
        let backlog = document["lastRun"]["backlog"] == true;
        let size = serde_json::to_string(&document["lastRun"])
            .expect("lastRun")
            .len();
        assert!(size <= 40 * 1000 + 2000, "lastRun is {size} bytes");
        let empty = ids.is_empty();
        delivered.extend(ids);
        last_run = document["lastRun"]
            .as_object()
            .expect("lastRun object")
            .clone();
        if let Some(batch) = appends.pop() {
            sim.append_events(batch);
        } else if empty && !backlog {
            return delivered;
        }
    }
    panic!("fetching never caught up");
}

fn assert_exactly_once(delivered: &[String], expected: &HashSet<String>) {
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for id in delivered {
        *counts.entry(id).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let examples: Vec<_> = repeated.iter().take(5).collect();
    assert!(
        repeated.is_empty(),
        "{} delivered more than once, e.g. {examples:?}",
        repeated.len()
    );
    let got: HashSet<String> = delivered.iter().cloned().collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(expected).collect();
    assert!(
        missing.is_empty(),
        "{} never delivered, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    assert!(extra.is_empty(), "delivered but not matching: {extra:?}");
}

/// Appends between runs: new events now, and late ones published an hour ago.
fn appends() -> Vec<Vec<Value>> {
    let now = Utc::now();
    vec![
        events("new-a", 700, now),
        events("late-b", 400, now - Duration::hours(1)),
        vec![],
        events("new-c", 1300, now),
    ]
}

#[test]
fn every_matching_event_arrives_exactly_once_across_runs() {
    for max_fetch in [1000, 1500, 333] {
        let sim = sim_with(events("seed", 3000, Utc::now() - Duration::hours(2)));
        let delivered = drain(&sim, max_fetch, appends());
        assert_exactly_once(&delivered, &matching_ids(&sim));
    }
}

#[test]
fn incidents_carry_name_time_type_severity_and_the_raw_event() {
    let sim = sim_with(events("seed", 3, Utc::now() - Duration::minutes(5)));
    let (document, _) = fetch(&sim, json!({}), &Map::new());
    let incident = &document["incidents"][0];
    assert_eq!(
        incident["name"],
        "User login to Okta by Ann Lee (ann@example.com)"
    );
    assert_eq!(incident["occurred"], sim.log_events()[0]["published"]);
    assert_eq!(incident["type"], "Okta Event");
    assert_eq!(incident["severity"], 1);
    assert_eq!(document["incidents"].as_array().map(Vec::len), Some(2));
}

#[test]
fn one_request_per_page_of_up_to_a_thousand_events() {
    // 3000 events, 2000 matching: two full pages and a short one that ends the run.
    let sim = sim_with(events("seed", 3001, Utc::now() - Duration::hours(2)));
    let (document, _) = fetch(&sim, json!({"max_fetch": 5000}), &Map::new());
    assert_eq!(incident_ids(&document).len(), 2001);
    let journal = sim.journal();
    assert_eq!(journal.len(), 3, "{journal:#?}");
    assert!(journal.iter().all(|entry| entry.path == "/api/v1/logs"));
    assert!(journal[0].query.contains("limit=1000"));
    assert!(journal[0].query.contains("sortOrder=ASCENDING"));
    assert!(journal[1].query.contains("after="), "{}", journal[1].query);
}

#[test]
fn the_interval_gate_skips_okta_until_it_elapses() {
    let sim = sim_with(events("seed", 10, Utc::now() - Duration::minutes(5)));
    let params = json!({"fetch_events_time_minutes": 10});
    let (first, _) = fetch(&sim, params.clone(), &Map::new());
    assert_eq!(incident_ids(&first).len(), 7);
    let requests = sim.journal().len();

    let last_run = first["lastRun"].as_object().expect("lastRun").clone();
    let (second, code) = fetch(&sim, params, &last_run);
    assert_eq!(code, 0);
    assert_eq!(second["incidents"], json!([]));
    assert_eq!(second["lastRun"], first["lastRun"]);
    assert_eq!(
        sim.journal().len(),
        requests,
        "no request while the interval runs"
    );
}

#[test]
fn a_run_stopped_at_max_fetch_carries_on_at_once_despite_the_interval() {
    let sim = sim_with(events("seed", 30, Utc::now() - Duration::minutes(5)));
    let params = json!({"fetch_events_time_minutes": 10, "max_fetch": 8});
    let (first, _) = fetch(&sim, params.clone(), &Map::new());
    assert_eq!(incident_ids(&first).len(), 8);
    assert_eq!(first["lastRun"]["backlog"], true);
    let last_run = first["lastRun"].as_object().expect("lastRun").clone();
    let (second, _) = fetch(&sim, params, &last_run);
    assert_eq!(incident_ids(&second).len(), 8);
}

#[test]
fn a_failed_first_request_keeps_the_old_position() {
    let sim = sim_with(events("seed", 30, Utc::now() - Duration::minutes(5)));
    let (first, _) = fetch(&sim, json!({"max_fetch": 6}), &Map::new());
    let last_run = first["lastRun"].as_object().expect("lastRun").clone();

    sim.add_fault(
        Fault::new(FaultKind::Status)
            .on_path("/api/v1/logs")
            .with_status(403),
    );
    let (failed, code) = fetch(&sim, json!({"max_fetch": 6}), &last_run);
    assert_eq!(code, 1);
    assert!(
        failed["error"].as_str().expect("error").starts_with(
            "Failed to execute fetch-incidents command. Error: Okta answered HTTP 403"
        )
    );
    assert_eq!(failed.get("incidents"), None);
    assert_eq!(failed.get("lastRun"), None);

    let mut delivered = incident_ids(&first);
    let mut last_run = last_run;
    loop {
        let (document, _) = fetch(&sim, json!({"max_fetch": 6}), &last_run);
        let ids = incident_ids(&document);
        if ids.is_empty() {
            break;
        }
        delivered.extend(ids);
        last_run = document["lastRun"].as_object().expect("lastRun").clone();
    }
    assert_exactly_once(&delivered, &matching_ids(&sim));
}

#[test]
fn a_failed_later_page_returns_what_it_has_and_resumes_there() {
    let sim = sim_with(events("seed", 3000, Utc::now() - Duration::hours(2)));
    sim.add_fault(
        Fault::new(FaultKind::Status)
            .on_path("/api/v1/logs")
            .with_status(403)
            .after_requests(1),
    );
    let (first, code) = fetch(&sim, json!({"max_fetch": 5000}), &Map::new());
    assert_eq!(code, 0);
    assert_eq!(incident_ids(&first).len(), 1000);
    let warning = first["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .find(|l| l["level"] == "warning");
    let warning = warning.expect("a warning").to_string();
    assert!(
        warning.contains("stopped early, to carry on next run"),
        "{warning}"
    );
    assert_eq!(
        first["lastRun"]["backlog"], true,
        "events are known to wait"
    );
    let failed_link = sim.journal()[1].query.clone();
    assert!(
        first["lastRun"]["nextLink"]
            .as_str()
            .expect("link")
            .ends_with(&failed_link)
    );

    let last_run = first["lastRun"].as_object().expect("lastRun").clone();
    let (second, _) = fetch(&sim, json!({"max_fetch": 5000}), &last_run);
    let mut delivered = incident_ids(&first);
    delivered.extend(incident_ids(&second));
    assert_exactly_once(&delivered, &matching_ids(&sim));
}

#[test]
fn test_module_runs_the_fetch_query_once_when_fetching() {
    let sim = sim_with(vec![]);
    let envelope = json!({"command": "test-module", "params": {"url": sim.base_url(),
        "apitoken": TOKEN, "isFetch": true, "fetchLogsQuery": "eventType eqq \"x\""}});
    let output = okta_it_admin::run(envelope.to_string().as_bytes());
    let error = output.document["error"]
        .as_str()
        .expect("error")
        .to_string();
    assert!(
        error.contains(
            "the System Log query in 'fetchLogsQuery' failed: Okta answered HTTP \
        400 E0000053"
        ),
        "{error}"
    );
    let journal = sim.journal();
    assert_eq!(journal.len(), 2);
    assert!(journal[1].query.contains("limit=1"));
}

#[test]
fn a_malformed_last_run_is_ignored_with_a_warning_and_resumes_from_the_last_query() {
    let sim = sim_with(events("seed", 10, Utc::now() - Duration::minutes(30)));
    let last_query = iso(Utc::now() - Duration::minutes(10));
    let last_run = json!({"nextLink": 5, "backlog": "yes", "delivered": "x",
        "lastQueryTime": last_query});
    let (document, code) = fetch(&sim, json!({}), last_run.as_object().expect("object"));
    assert_eq!(code, 0, "{}", document["error"]);
    let warnings: Vec<String> = document["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter(|line| line["level"] == "warning")
        .map(|line| line["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].starts_with("lastRun's 'nextLink' is not text; it was ignored"));
    // The seeded events are older than the last query, so none is delivered again.
    assert_eq!(incident_ids(&document), Vec::<String>::new());
    let since = &sim.journal()[0].query;
    assert!(
        since.contains(&format!("since={}", last_query.replace(':', "%3A"))),
        "{since}"
    );
}

#[test]
fn a_last_query_time_in_the_future_does_not_stop_fetching() {
    let sim = sim_with(events("seed", 10, Utc::now() - Duration::minutes(5)));
    let last_run = json!({"lastQueryTime": "9999-12-31T23:59:59Z"});
    let params = json!({"fetch_events_time_minutes": 10});
    let (document, _) = fetch(&sim, params, last_run.as_object().expect("object"));
    assert_eq!(incident_ids(&document).len(), 7);
    assert!(
        document["logs"]
            .to_string()
            .contains("'lastQueryTime' is not in the past")
    );
}

#[test]
fn a_saved_link_to_anything_but_the_system_log_is_refused() {
    let sim = sim_with(vec![]);
    for path in [
        "/api/v1/users?limit=1",
        "/api/v1/logs/../users/me",
        "/api/v1/logsx",
    ] {
        let last_run = json!({"nextLink": format!("{}{path}", sim.base_url())});
        let (document, code) = fetch(&sim, json!({}), last_run.as_object().expect("object"));
        assert_eq!(code, 1, "{path}");
        let error = document["error"].as_str().expect("error");
        assert!(
            error.contains("does not point at the System Log of the configured Okta org"),
            "{error}"
        );
    }
    assert!(sim.journal().is_empty());
}

#[test]
fn a_saved_link_with_a_smaller_limit_still_delivers_everything_waiting() {
    // A run with max_fetch 5 saves a link asking for 5 events a page; after max_fetch is
    // raised, that link's short pages must not be taken for "caught up".
    let sim = sim_with(events("seed", 60, Utc::now() - Duration::minutes(5)));
    let (first, _) = fetch(&sim, json!({"max_fetch": 5}), &Map::new());
    assert_eq!(incident_ids(&first).len(), 5);
    let last_run = first["lastRun"].as_object().expect("lastRun").clone();
    let (second, _) = fetch(&sim, json!({"max_fetch": 1000}), &last_run);
    let mut delivered = incident_ids(&first);
    delivered.extend(incident_ids(&second));
    assert_exactly_once(&delivered, &matching_ids(&sim));
    assert_eq!(second["lastRun"]["backlog"], false);
}

#[test]
fn a_saved_position_okta_refuses_says_to_reset_the_last_run() {
    let sim = sim_with(vec![]);
    let link = format!(
        "{}/api/v1/logs?sortOrder=ASCENDING&limit=1000&after=not-a-cursor&filter={}",
        sim.base_url(),
        QUERY.replace(' ', "+").replace('"', "%22")
    );
    let last_run = json!({"nextLink": link});
    let (document, code) = fetch(&sim, json!({}), last_run.as_object().expect("object"));
    assert_eq!(code, 1);
    let error = document["error"].as_str().expect("error");
    assert!(error.contains("Okta answered HTTP 400"), "{error}");
    assert!(
        error.ends_with(
            "Okta refused the position saved in lastRun; reset the instance's \
        last run to start again from 'first_fetch'"
        ),
        "{error}"
    );
}

const WIDER_QUERY: &str =
    "eventType eq \"user.session.start\" or eventType eq \"user.account.lock\"";

fn lock_events(prefix: &str, count: usize) -> Vec<Value> {
    let published = iso(Utc::now());
    (0..count)
        .map(|i| event(format!("{prefix}-{i:03}"), "user.account.lock", &published))
        .collect()
}

fn ids_of(sim: &OktaSim, types: &[&str]) -> HashSet<String> {
    sim.log_events()
        .iter()
        .filter(|event| types.iter().any(|kind| event["eventType"] == *kind))
        .map(|event| event["uuid"].as_str().expect("uuid").to_string())
        .collect()
}

#[test]
fn a_changed_query_starts_after_what_was_delivered_without_repeating_or_losing() {
    let sim = sim_with(events("seed", 30, Utc::now() - Duration::minutes(20)));
    let (first, _) = fetch(&sim, json!({}), &Map::new());
    let mut last_run = first["lastRun"].as_object().expect("lastRun").clone();
    // As if that run had started before the events it delivered were stored (events stored
    // while it ran): its query time must not be where the new poll starts.
    last_run.insert(
        "lastQueryTime".into(),
        json!(iso(Utc::now() - Duration::hours(1))),
    );

    let mut appended = events("new", 15, Utc::now());
    appended.extend(lock_events("lock", 5));
    sim.append_events(appended);
    let (second, code) = fetch(&sim, json!({"fetchLogsQuery": WIDER_QUERY}), &last_run);
    assert_eq!(code, 0, "{}", second["error"]);

    let mut delivered = incident_ids(&first);
    delivered.extend(incident_ids(&second));
    assert_exactly_once(
        &delivered,
        &ids_of(&sim, &["user.session.start", "user.account.lock"]),
    );
}

#[test]
fn a_changed_query_still_delivers_what_the_old_one_left_waiting() {
    let sim = sim_with(events("seed", 30, Utc::now() - Duration::minutes(20)));
    let (first, _) = fetch(&sim, json!({"max_fetch": 2}), &Map::new());
    assert_eq!(first["lastRun"]["backlog"], true);
    let last_run = first["lastRun"].as_object().expect("lastRun").clone();

    sim.append_events(lock_events("lock", 3));
    let (second, _) = fetch(&sim, json!({"fetchLogsQuery": WIDER_QUERY}), &last_run);
    let mut delivered = incident_ids(&first);
    delivered.extend(incident_ids(&second));
    assert_exactly_once(
        &delivered,
        &ids_of(&sim, &["user.session.start", "user.account.lock"]),
    );
}

#[test]
fn a_first_fetch_at_okta_s_limit_still_works() {
    let sim = sim_with(events("seed", 3, Utc::now() - Duration::minutes(5)));
    for first_fetch in ["180 days", "4320 hours", "6 months"] {
        let (document, code) = fetch(&sim, json!({"first_fetch": first_fetch}), &Map::new());
        assert_eq!(code, 0, "{first_fetch}: {}", document["error"]);
    }
}

#[test]
fn saved_links_that_could_never_see_new_events_are_refused() {
    let sim = sim_with(vec![]);
    let filter = QUERY.replace(' ', "+").replace('"', "%22");
    for query in ["until=2020-01-01T00:00:00Z", "limit=0&after=0_0"] {
        let link = format!("{}/api/v1/logs?{query}&filter={filter}", sim.base_url());
        let last_run = json!({"nextLink": link});
        let (document, code) = fetch(&sim, json!({}), last_run.as_object().expect("object"));
        assert_eq!(code, 1, "{query}");
        let error = document["error"].as_str().expect("error");
        assert!(error.contains("reset the instance's last run"), "{error}");
    }
    assert!(sim.journal().is_empty());
}
