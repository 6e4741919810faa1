//! End-to-end tests of the Okta simulator over real HTTP (ureq), against the seed in
//! `test_data/sim/seed.json`. Expected values come from the Okta reference
//! (`okta-api.md`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use okta_it_admin::sim::{Fault, FaultKind, OktaSim, Seed};
use serde_json::{Value, json};

const TOKEN: &str = "test-token-0123456789";
const PROVISIONED_ID: &str = "00utiigb9kCWr4rzE0h7";
const PROVISIONED_LOGIN: &str = "testdemisto@paloaltonetworks.com";
const ACTIVE_ID: &str = "00uact1veAl1ceUsr0h7";
const SUSPENDED_ID: &str = "00ususpBobSusp3nd0h7";
const STAGED_ID: &str = "00ustagedCarolStg0h7";
const DEPROVISIONED_ID: &str = "00udeprovDaveGone0h7";
const LOCKED_ID: &str = "00ulockedEveL0ck00h7";
const QUOTE_ID: &str = "00uquoteOBrienSla0h7";
const ME_ID: &str = "00u8zfz6plqAdm1n00h7";
const APP_ID: &str = "0oae6ioe81sQ64Aui0h7";

fn seed() -> Seed {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/sim/seed.json");
    Seed::from_file(path).expect("seed loads")
}

fn start() -> OktaSim {
    OktaSim::start(seed(), 0).expect("sim starts")
}

/// A received response, fully read.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The URL of the `Link` header with the given rel.
    fn link(&self, rel: &str) -> Option<String> {
        self.all("link").into_iter().find_map(|value| {
            let (url, params) = value.split_once(';')?;
            (params.trim() == format!("rel=\"{rel}\"")).then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
    }

    fn assert_error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        let body = self.json();
        assert_eq!(body["errorCode"], code, "body: {body}");
        assert_eq!(body["errorLink"], code);
        assert!(body["errorId"].as_str().unwrap().starts_with("oae"));
        assert!(body["errorCauses"].is_array());
        body
    }
}

struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

impl Client {
    fn new(sim: &OktaSim) -> Client {
        Self::with_token(sim, Some(TOKEN))
    }

    fn with_token(sim: &OktaSim, token: Option<&str>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .new_agent();
        Client {
            agent,
            base: sim.base_url(),
            token: token.map(str::to_string),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn finish(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = result.expect("transport ok");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let body = response.body_mut().read_to_string().unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn try_get(&self, path: &str) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let mut request = self
            .agent
            .get(&self.url(path))
            .header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("SSWS {token}"));
        }
        request.call()
    }

    fn get(&self, path: &str) -> Reply {
        Self::finish(self.try_get(path))
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let url = self.url(path);
        let mut request = match method {
            "POST" => self.agent.post(&url),
            "PUT" => self.agent.put(&url),
            other => panic!("unsupported {other}"),
        };
        request = request.header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("SSWS {token}"));
        }
        Self::finish(match body {
            Some(body) => request.send_json(body),
            None => request.send_empty(),
        })
    }

    fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(body))
    }

    fn post_empty(&self, path: &str) -> Reply {
        self.send("POST", path, None)
    }

    fn put(&self, path: &str, body: Value) -> Reply {
        self.send("PUT", path, Some(body))
    }

    fn delete(&self, path: &str) -> Reply {
        let mut request = self.agent.delete(&self.url(path));
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("SSWS {token}"));
        }
        Self::finish(request.call())
    }
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Authentication and common headers

#[test]
fn missing_or_wrong_token_gives_401_e0000011() {
    let sim = start();
    for client in [
        Client::with_token(&sim, None),
        Client::with_token(&sim, Some("nope")),
    ] {
        let reply = client.get("/api/v1/users/me");
        let body = reply.assert_error(401, "E0000011");
        assert_eq!(body["errorSummary"], "Invalid token provided");
        assert_eq!(body["errorCauses"], json!([]));
        assert_eq!(
            keys(&body),
            [
                "errorCode",
                "errorSummary",
                "errorLink",
                "errorId",
                "errorCauses"
            ]
        );
    }
    // Bearer tokens are not accepted (OAuth is not modelled).
    let reply = Client::finish(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent()
            .get(&format!("{}/api/v1/users/me", sim.base_url()))
            .header("Authorization", &format!("Bearer {TOKEN}"))
            .call(),
    );
    reply.assert_error(401, "E0000011");
}

#[test]
fn every_api_response_carries_okta_headers() {
    let sim = start();
    let client = Client::new(&sim);
    for reply in [
        client.get("/api/v1/users/me"),
        client.get("/api/v1/users/nobody"),
    ] {
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        assert!(
            reply
                .header("x-okta-request-id")
                .is_some_and(|id| !id.is_empty())
        );
        let limit: u32 = reply.header("x-rate-limit-limit").unwrap().parse().unwrap();
        let remaining: u32 = reply
            .header("x-rate-limit-remaining")
            .unwrap()
            .parse()
            .unwrap();
        let reset: i64 = reply.header("x-rate-limit-reset").unwrap().parse().unwrap();
        assert!(remaining < limit);
        let date = chrono::DateTime::parse_from_rfc2822(reply.header("date").unwrap()).unwrap();
        assert!(reset > date.timestamp() && reset <= date.timestamp() + 60);
        assert!(reply.header("date").unwrap().ends_with(" GMT"));
    }
}

#[test]
fn exhausted_bucket_gives_429_with_remaining_zero() {
    let mut seed = seed();
    seed.rate_limits.logs = 2;
    let sim = OktaSim::start(seed, 0).unwrap();
    let client = Client::new(&sim);
    assert_eq!(
        client.get("/api/v1/logs").header("x-rate-limit-remaining"),
        Some("1")
    );
    assert_eq!(
        client.get("/api/v1/logs").header("x-rate-limit-remaining"),
        Some("0")
    );
    let reply = client.get("/api/v1/logs");
    reply.assert_error(429, "E0000047");
    assert_eq!(reply.header("x-rate-limit-remaining"), Some("0"));
    // Other buckets are unaffected.
    assert_eq!(client.get("/api/v1/users/me").status, 200);
}

// ---------------------------------------------------------------------------------------------
// Get user

#[test]
fn get_user_by_id_has_okta_key_order_and_status_links() {
    let sim = start();
    let client = Client::new(&sim);
    let reply = client.get(&format!("/api/v1/users/{PROVISIONED_ID}"));
    assert_eq!(reply.status, 200);
    let user = reply.json();
    assert_eq!(
        keys(&user),
        [
            "id",
            "status",
            "created",
            "activated",
            "statusChanged",
            "lastLogin",
            "lastUpdated",
            "passwordChanged",
            "type",
            "profile",
            "credentials",
            "_links"
        ]
    );
    assert_eq!(user["status"], "PROVISIONED");
    assert_eq!(user["profile"]["login"], PROVISIONED_LOGIN);
    let links = &user["_links"];
    let base = sim.base_url();
    assert_eq!(
        links["self"]["href"],
        format!("{base}/api/v1/users/{PROVISIONED_ID}")
    );
    assert_eq!(
        links["deactivate"]["href"],
        format!("{base}/api/v1/users/{PROVISIONED_ID}/lifecycle/deactivate")
    );
    assert_eq!(links["deactivate"]["method"], "POST");
    assert!(links.get("reactivate").is_some() && links.get("resetPassword").is_some());
    assert!(links.get("suspend").is_none() && links.get("activate").is_none());
    assert!(
        links["type"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/meta/types/user/oty8zfz6plq7b0r830h7")
    );
    assert!(links["schema"].is_object());

    let active = client.get(&format!("/api/v1/users/{ACTIVE_ID}")).json();
    assert!(active["_links"].get("suspend").is_some());
    assert!(active["_links"].get("unsuspend").is_none());
    let suspended = client.get(&format!("/api/v1/users/{SUSPENDED_ID}")).json();
    assert!(suspended["_links"].get("unsuspend").is_some());
    let staged = client.get(&format!("/api/v1/users/{STAGED_ID}")).json();
    assert!(staged["_links"].get("activate").is_some());
    assert_eq!(staged["activated"], Value::Null);
    let locked = client.get(&format!("/api/v1/users/{LOCKED_ID}")).json();
    assert!(locked["_links"].get("unlock").is_some());
    // DEPROVISIONED users are still readable by ID.
    let deprovisioned = client.get(&format!("/api/v1/users/{DEPROVISIONED_ID}"));
    assert_eq!(deprovisioned.json()["status"], "DEPROVISIONED");
}

#[test]
fn get_user_by_login_encoded_mixed_case_shortname_and_me() {
    let sim = start();
    let client = Client::new(&sim);
    for key in [
        "testdemisto%40paloaltonetworks.com",
        "testdemisto@paloaltonetworks.com",
        "TestDemisto%40PaloAltoNetworks.COM",
        "testdemisto",
        "TESTDEMISTO",
    ] {
        let reply = client.get(&format!("/api/v1/users/{key}"));
        assert_eq!(reply.status, 200, "{key}: {}", reply.body);
        assert_eq!(reply.json()["id"], PROVISIONED_ID, "{key}");
    }
    let me = client.get("/api/v1/users/me").json();
    assert_eq!(me["id"], ME_ID);
    assert_eq!(me["status"], "ACTIVE");
    assert_eq!(me["profile"]["login"], "xsoar.admin@paloaltonetworks.com");
}

#[test]
fn unknown_or_ambiguous_user_gives_404_e0000007() {
    let sim = start();
    let client = Client::new(&sim);
    let body = client
        .get("/api/v1/users/missing%40example.com")
        .assert_error(404, "E0000007");
    assert_eq!(
        body["errorSummary"],
        "Not found: Resource not found: missing@example.com (User)"
    );
    assert_eq!(body["errorCauses"], json!([]));
    // `jdoe` is the shortname of both jdoe@example.com and jdoe@example.org.
    let body = client
        .get("/api/v1/users/jdoe")
        .assert_error(404, "E0000007");
    assert_eq!(
        body["errorSummary"],
        "Not found: Resource not found: jdoe (User)"
    );
    assert_eq!(client.get("/api/v1/users/jdoe%40example.org").status, 200);
}

// ---------------------------------------------------------------------------------------------
// List, search, filter, q, pagination

#[test]
fn list_without_parameters_excludes_deprovisioned_and_has_self_links_only() {
    let sim = start();
    let client = Client::new(&sim);
    let reply = client.get("/api/v1/users");
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let listed = ids(&body);
    assert_eq!(listed.len(), sim.users().len() - 1);
    assert!(!listed.contains(&DEPROVISIONED_ID.to_string()));
    for user in body.as_array().unwrap() {
        assert_eq!(keys(&user["_links"]), ["self"]);
    }
    assert_eq!(
        reply.link("self").unwrap(),
        format!("{}/api/v1/users", sim.base_url())
    );
    assert!(reply.link("next").is_none());
}

#[test]
fn search_is_case_insensitive_includes_deprovisioned_and_unescapes_literals() {
    let sim = start();
    let client = Client::new(&sim);
    let search = |expression: &str| {
        let reply = client.get(&format!("/api/v1/users?search={}", encode(expression)));
        assert_eq!(reply.status, 200, "{expression}: {}", reply.body);
        ids(&reply.json())
    };
    assert_eq!(
        search(r#"profile.login eq "TESTDEMISTO@paloaltonetworks.com""#),
        [PROVISIONED_ID]
    );
    assert_eq!(search(r#"status eq "deprovisioned""#), [DEPROVISIONED_ID]);
    // The stored last name is  O"Brien\Slash : both escapes must be decoded.
    assert_eq!(
        search(r#"profile.lastName eq "o\"brien\\slash""#),
        [QUOTE_ID]
    );
    let invalid_escape = encode(r#"profile.lastName eq "o\"brien\slash""#);
    let reply = client.get(&format!("/api/v1/users?search={invalid_escape}"));
    reply.assert_error(400, "E0000031");
    assert_eq!(search(r#"profile.firstName sw "ali""#), [ACTIVE_ID]);
    assert_eq!(search(r#"profile.email co "SUSPENDED""#), [SUSPENDED_ID]);
    assert_eq!(
        search(
            r#"profile.department eq "engineering" and (status eq "ACTIVE" or status eq "STAGED")"#
        ),
        [ACTIVE_ID, STAGED_ID]
    );
    assert_eq!(
        search(concat!(
            r#"lastUpdated gt "2020-08-01T00:00:00.000Z" and "#,
            r#"lastUpdated lt "2020-08-23T00:00:00.000Z""#
        )),
        [STAGED_ID, LOCKED_ID]
    );
    assert_eq!(search(r#"id eq "00uact1veAl1ceUsr0h7""#), [ACTIVE_ID]);
    // Okta's own links encode spaces as '+'.
    let reply = client.get("/api/v1/users?search=status+eq+%22SUSPENDED%22");
    assert_eq!(ids(&reply.json()), [SUSPENDED_ID]);
}

#[test]
fn search_errors() {
    let sim = start();
    let client = Client::new(&sim);
    for bad in [
        r#"profile.login eq"#,
        r#"profile.login eqq "x""#,
        r#"profile.login ne "x""#,
        r#"(status eq "ACTIVE""#,
        r#"status eq "ACTIVE" garbage"#,
        r#"profile.login eq "unterminated"#,
        r#"status co "ACT""#,
        r#"credentials.provider.type eq "OKTA""#,
    ] {
        let reply = client.get(&format!("/api/v1/users?search={}", encode(bad)));
        let body = reply.assert_error(400, "E0000031");
        assert_eq!(body["errorSummary"], "Invalid search criteria.", "{bad}");
    }
    let both = format!(
        "/api/v1/users?search={}&filter={}",
        encode(r#"status eq "ACTIVE""#),
        encode(r#"status eq "ACTIVE""#)
    );
    let body = client.get(&both).assert_error(400, "E0000033");
    assert_eq!(
        body["errorSummary"],
        "Bad request. Can't specify a search query and filter in the same request."
    );
}

#[test]
fn filter_is_case_sensitive_and_limited_to_documented_attributes() {
    let sim = start();
    let client = Client::new(&sim);
    let filter =
        |expression: &str| client.get(&format!("/api/v1/users?filter={}", encode(expression)));
    let exact = filter(r#"profile.login eq "alice.active@example.com""#);
    assert_eq!(ids(&exact.json()), [ACTIVE_ID]);
    let wrong_case = filter(r#"profile.login eq "Alice.Active@example.com""#);
    assert_eq!(wrong_case.status, 200);
    assert_eq!(wrong_case.json(), json!([]));
    assert_eq!(ids(&filter(r#"status eq "active""#).json()).len(), 0);
    let deprovisioned = filter(r#"status eq "DEPROVISIONED""#);
    assert_eq!(ids(&deprovisioned.json()), [DEPROVISIONED_ID]);
    let updated = filter(r#"lastUpdated gt "2020-08-22T00:00:00.000Z""#);
    assert_eq!(ids(&updated.json()), [PROVISIONED_ID, LOCKED_ID]);
    filter(r#"profile.department eq "Sales""#).assert_error(400, "E0000031");
    filter(r#"profile.login sw "alice""#).assert_error(400, "E0000031");
}

#[test]
fn q_is_prefix_match_without_deprovisioned_or_next_link() {
    let sim = start();
    let client = Client::new(&sim);
    let reply = client.get("/api/v1/users?q=ALI");
    assert_eq!(ids(&reply.json()), [ACTIVE_ID]);
    assert!(reply.link("next").is_none());
    assert_eq!(client.get("/api/v1/users?q=dave").json(), json!([]));
    assert_eq!(ids(&client.get("/api/v1/users?q=doe").json()).len(), 2);
    assert_eq!(
        ids(&client.get("/api/v1/users?q=d&limit=1").json()).len(),
        1
    );
}

#[test]
fn pagination_uses_separate_absolute_link_headers() {
    let sim = start();
    let client = Client::new(&sim);
    let expected = ids(&client.get("/api/v1/users").json());
    let search = encode(r#"status eq "ACTIVE" or status eq "DEPROVISIONED""#);
    let first_path = format!("/api/v1/users?limit=2&search={search}");
    let mut url = format!("{}{first_path}", sim.base_url());
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let reply = client.get(&url);
        assert_eq!(reply.status, 200);
        pages += 1;
        if pages == 1 {
            assert_eq!(reply.link("self").unwrap(), url);
            assert_eq!(
                reply.all("link").len(),
                2,
                "self and next are separate headers"
            );
        }
        let page = ids(&reply.json());
        assert!(page.len() <= 2);
        seen.extend(page);
        match reply.link("next") {
            Some(next) => {
                assert!(next.starts_with(&format!("{}/api/v1/users?", sim.base_url())));
                assert!(next.contains("search=status+eq+%22ACTIVE%22"), "{next}");
                assert!(
                    next.contains("limit=2") && next.contains("after="),
                    "{next}"
                );
                url = next;
            }
            None => break,
        }
    }
    let users = sim.users();
    let wanted: Vec<String> = users
        .iter()
        .filter(|u| u["status"] == "ACTIVE" || u["status"] == "DEPROVISIONED")
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, wanted);
    assert_eq!(pages, wanted.len().div_ceil(2));
    // Default listing pages too, adding the effective limit to `next`.
    let reply = client.get("/api/v1/users?limit=200");
    assert_eq!(ids(&reply.json()), expected);
    assert!(reply.link("next").is_none());
}

// ---------------------------------------------------------------------------------------------
// Create, update, replace

fn new_user(login: &str) -> Value {
    json!({
        "profile": {
            "firstName": "Isaac",
            "lastName": "Brock",
            "email": login,
            "login": login,
            "mobilePhone": "555-415-1337",
        }
    })
}

#[test]
fn create_user_statuses_follow_activate_password_and_provider() {
    let sim = start();
    let client = Client::new(&sim);
    let staged = client.post(
        "/api/v1/users?activate=false",
        new_user("isaac.brock@example.com"),
    );
    assert_eq!(staged.status, 200, "{}", staged.body);
    let user = staged.json();
    let id = user["id"].as_str().unwrap();
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("00u"));
    assert_eq!(user["status"], "STAGED");
    assert_eq!(user["activated"], Value::Null);
    assert_eq!(
        user["credentials"],
        json!({"provider": {"type": "OKTA", "name": "OKTA"}})
    );
    assert!(user["_links"].get("activate").is_some());
    assert_eq!(
        keys(&user),
        [
            "id",
            "status",
            "created",
            "activated",
            "statusChanged",
            "lastLogin",
            "lastUpdated",
            "passwordChanged",
            "type",
            "profile",
            "credentials",
            "_links"
        ]
    );
    assert_eq!(user["profile"]["mobilePhone"], "555-415-1337");
    let created = user["created"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");

    let provisioned = client
        .post("/api/v1/users", new_user("no.password@example.com"))
        .json();
    assert_eq!(provisioned["status"], "PROVISIONED");
    assert!(provisioned["activated"].is_string());

    let mut with_password = new_user("with.password@example.com");
    with_password["credentials"] = json!({"password": {"value": "tlpWENT2m"}});
    let active = client
        .post("/api/v1/users?activate=true", with_password)
        .json();
    assert_eq!(active["status"], "ACTIVE");
    assert_eq!(active["credentials"]["password"], json!({}));
    assert!(!active.to_string().contains("tlpWENT2m"));

    let federated = client
        .post("/api/v1/users?provider=true", new_user("fed@example.com"))
        .json();
    assert_eq!(federated["status"], "ACTIVE");

    let stored = sim.users();
    assert!(stored.iter().any(|u| u["id"] == id));
    // Creation is logged.
    let events = sim.log_events();
    let create = events
        .iter()
        .find(|e| e["eventType"] == "user.lifecycle.create" && e["target"][0]["id"] == id)
        .expect("create event");
    assert_eq!(create["severity"], "INFO");
    assert_eq!(create["version"], "0");
    assert_eq!(create["target"][0]["type"], "User");
    assert_eq!(create["actor"]["id"], ME_ID);
    assert_eq!(create["outcome"]["result"], "SUCCESS");
    assert_eq!(create["displayMessage"], "Create Okta user");
}

#[test]
fn create_user_rejects_duplicate_login_case_insensitively() {
    let sim = start();
    let client = Client::new(&sim);
    let reply = client.post(
        "/api/v1/users",
        new_user("TESTDEMISTO@paloaltonetworks.com"),
    );
    let body = reply.assert_error(400, "E0000001");
    assert_eq!(body["errorSummary"], "Api validation failed: login");
    assert_eq!(
        body["errorCauses"],
        json!([{
            "errorSummary":
                "login: An object with this field already exists in the current organization"
        }])
    );
    // Deprovisioned users still hold their login.
    client
        .post("/api/v1/users", new_user("dave.gone@example.com"))
        .assert_error(400, "E0000001");
}

#[test]
fn create_user_validates_profile() {
    let sim = start();
    let client = Client::new(&sim);
    let body = client
        .post("/api/v1/users", new_user("not-an-email"))
        .assert_error(400, "E0000001");
    assert_eq!(body["errorSummary"], "Api validation failed: login");
    let causes = body["errorCauses"].to_string();
    assert!(causes.contains("login: Username must be in the form of an email address"));
    assert!(causes.contains("email: Does not match required pattern"));

    let body = client
        .post("/api/v1/users", json!({"profile": {}}))
        .assert_error(400, "E0000001");
    let causes: Vec<&str> = body["errorCauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["errorSummary"].as_str().unwrap())
        .collect();
    for field in ["login", "email", "firstName", "lastName"] {
        assert!(
            causes.iter().any(|c| c.starts_with(&format!("{field}: "))),
            "{field}: {causes:?}"
        );
    }
    let mut long_name = new_user("long.name@example.com");
    long_name["profile"]["firstName"] = json!("x".repeat(51));
    client
        .post("/api/v1/users", long_name)
        .assert_error(400, "E0000001");
    client
        .post("/api/v1/users", new_user("a@b"))
        .assert_error(400, "E0000001");
    let bad_json = Client::finish(
        client
            .agent
            .post(&client.url("/api/v1/users"))
            .header("Authorization", &format!("SSWS {TOKEN}"))
            .header("Content-Type", "application/json")
            .send("{not json"),
    );
    bad_json.assert_error(400, "E0000003");
    assert_eq!(sim.users().len(), seed_user_count());
}

fn seed_user_count() -> usize {
    // Seeded users plus the `me` admin.
    seed().users.len() + 1
}

#[test]
fn update_merges_replace_drops_and_deprovisioned_is_404() {
    let sim = start();
    let client = Client::new(&sim);
    let path = format!("/api/v1/users/{ACTIVE_ID}");
    let before = client.get(&path).json();
    let reply = client.post(
        &path,
        json!({"profile": {"firstName": "Alicia", "title": "CTO"}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let merged = reply.json();
    assert_eq!(merged["profile"]["firstName"], "Alicia");
    assert_eq!(merged["profile"]["title"], "CTO");
    assert_eq!(merged["profile"]["department"], "Engineering");
    assert_eq!(merged["profile"]["lastName"], before["profile"]["lastName"]);
    assert_ne!(merged["lastUpdated"], before["lastUpdated"]);
    assert_eq!(keys(&merged), keys(&before));
    assert!(
        sim.log_events()
            .iter()
            .any(|e| e["eventType"] == "user.account.update_profile"
                && e["target"][0]["id"] == ACTIVE_ID)
    );

    let replaced = client.put(
        &path,
        json!({"profile": {
            "firstName": "Alice",
            "lastName": "Replaced",
            "email": "alice.active@example.com",
            "login": "alice.active@example.com",
        }}),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let replaced = replaced.json();
    assert_eq!(replaced["profile"]["lastName"], "Replaced");
    assert!(replaced["profile"].get("department").is_none());
    assert!(replaced["profile"].get("title").is_none());
    client
        .put(&path, json!({"profile": {"firstName": "Only"}}))
        .assert_error(400, "E0000001");

    // Changing the login to another user's login is a duplicate.
    let taken = client.post(&path, json!({"profile": {"login": "JDOE@example.com"}}));
    taken.assert_error(400, "E0000001");

    let gone = format!("/api/v1/users/{DEPROVISIONED_ID}");
    let body = client
        .post(&gone, json!({"profile": {"firstName": "X"}}))
        .assert_error(404, "E0000007");
    assert_eq!(
        body["errorSummary"],
        format!("Not found: Resource not found: {DEPROVISIONED_ID} (User)")
    );
    client
        .put(&gone, json!({"profile": {}}))
        .assert_error(404, "E0000007");
}

#[test]
fn delete_deactivates_then_removes() {
    let sim = start();
    let client = Client::new(&sim);
    let path = format!("/api/v1/users/{ACTIVE_ID}");
    assert_eq!(client.delete(&path).status, 204);
    assert_eq!(client.get(&path).json()["status"], "DEPROVISIONED");
    assert_eq!(client.delete(&path).status, 204);
    client.get(&path).assert_error(404, "E0000007");
    client.delete(&path).assert_error(404, "E0000007");
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

fn lifecycle(client: &Client, id: &str, operation: &str) -> Reply {
    client.post_empty(&format!("/api/v1/users/{id}/lifecycle/{operation}"))
}

fn status(sim: &OktaSim, id: &str) -> String {
    let users = sim.users();
    let user = users.iter().find(|u| u["id"] == id).expect("user exists");
    user["status"].as_str().unwrap().to_string()
}

#[test]
fn activate_staged_and_deprovisioned_users() {
    let sim = start();
    let client = Client::new(&sim);
    let reply = client.post_empty(&format!(
        "/api/v1/users/{STAGED_ID}/lifecycle/activate?sendEmail=false"
    ));
    assert_eq!(reply.status, 200);
    let token = reply.json();
    assert_eq!(keys(&token), ["activationUrl", "activationToken"]);
    let activation_token = token["activationToken"].as_str().unwrap();
    assert_eq!(
        token["activationUrl"],
        format!("{}/tokens/{activation_token}/verify", sim.base_url())
    );
    // No password: the user waits in PROVISIONED.
    assert_eq!(status(&sim, STAGED_ID), "PROVISIONED");
    let user = client.get(&format!("/api/v1/users/{STAGED_ID}")).json();
    assert!(user["activated"].is_string());

    let reply = lifecycle(&client, DEPROVISIONED_ID, "activate");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({}));
    // Dave has a password, so he becomes ACTIVE.
    assert_eq!(status(&sim, DEPROVISIONED_ID), "ACTIVE");

    let body = lifecycle(&client, ACTIVE_ID, "activate").assert_error(403, "E0000016");
    assert_eq!(
        body["errorSummary"],
        "Activation failed because the user is already active"
    );
    lifecycle(&client, "00unknownUser0000000", "activate").assert_error(404, "E0000007");
    let types: Vec<Value> = sim
        .log_events()
        .iter()
        .filter(|e| e["eventType"] == "user.lifecycle.activate")
        .map(|e| e["target"][0]["id"].clone())
        .collect();
    assert_eq!(types, [json!(STAGED_ID), json!(DEPROVISIONED_ID)]);
}

#[test]
fn suspend_unsuspend_and_wrong_status() {
    let sim = start();
    let client = Client::new(&sim);
    let reply = lifecycle(&client, ACTIVE_ID, "suspend");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "");
    assert_eq!(status(&sim, ACTIVE_ID), "SUSPENDED");
    lifecycle(&client, ACTIVE_ID, "suspend").assert_error(400, "E0000001");
    lifecycle(&client, STAGED_ID, "suspend").assert_error(400, "E0000001");
    let reply = lifecycle(&client, ACTIVE_ID, "unsuspend");
    assert_eq!((reply.status, reply.body.as_str()), (200, ""));
    assert_eq!(status(&sim, ACTIVE_ID), "ACTIVE");
    lifecycle(&client, ACTIVE_ID, "unsuspend").assert_error(400, "E0000001");
    let events = sim.log_events();
    for event_type in ["user.lifecycle.suspend", "user.lifecycle.unsuspend"] {
        let event = events
            .iter()
            .rev()
            .find(|e| e["eventType"] == event_type)
            .unwrap_or_else(|| panic!("{event_type} logged"));
        assert_eq!(event["target"][0]["id"], ACTIVE_ID);
        assert_eq!(
            event["target"][0]["alternateId"],
            "alice.active@example.com"
        );
    }
}

#[test]
fn deactivate_reactivate_and_unlock() {
    let sim = start();
    let client = Client::new(&sim);
    let body = lifecycle(&client, ACTIVE_ID, "reactivate").assert_error(403, "E0000038");
    assert_eq!(
        body["errorSummary"],
        "This operation is not allowed in the user's current status."
    );
    let reply = lifecycle(&client, PROVISIONED_ID, "reactivate");
    assert_eq!(reply.status, 200);
    assert!(reply.json()["activationToken"].is_string());
    assert_eq!(status(&sim, PROVISIONED_ID), "PROVISIONED");

    let reply = lifecycle(&client, SUSPENDED_ID, "deactivate");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "");
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(status(&sim, SUSPENDED_ID), "DEPROVISIONED");
    lifecycle(&client, SUSPENDED_ID, "deactivate").assert_error(404, "E0000007");
    let user = client.get(&format!("/api/v1/users/{SUSPENDED_ID}")).json();
    assert_eq!(
        keys(&user["_links"]),
        ["activate", "schema", "self", "type"]
    );

    lifecycle(&client, ACTIVE_ID, "unlock").assert_error(403, "E0000032");
    let reply = lifecycle(&client, LOCKED_ID, "unlock");
    assert_eq!(reply.status, 200);
    assert_eq!(status(&sim, LOCKED_ID), "ACTIVE");
    assert!(
        sim.log_events()
            .iter()
            .any(|e| e["eventType"] == "user.lifecycle.deactivate"
                && e["target"][0]["id"] == SUSPENDED_ID)
    );
}

#[test]
fn post_without_body_or_content_length_gets_411() {
    let sim = start();
    let address = sim.base_url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).unwrap();
    let request = format!(
        "POST /api/v1/users/{ACTIVE_ID}/lifecycle/suspend HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: SSWS {TOKEN}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 411"), "{response}");
    assert_eq!(status(&sim, ACTIVE_ID), "ACTIVE");
    // ureq's explicit empty body carries Content-Length: 0 and is accepted.
    let client = Client::new(&sim);
    assert_eq!(lifecycle(&client, ACTIVE_ID, "suspend").status, 200);
    let journal = sim.journal();
    let last = journal.last().unwrap();
    assert_eq!(
        last.headers.get("content-length").map(String::as_str),
        Some("0")
    );
}

// ---------------------------------------------------------------------------------------------
// App users

#[test]
fn app_user_lookup() {
    let sim = start();
    let client = Client::new(&sim);
    let reply = client.get(&format!("/api/v1/apps/{APP_ID}/users/{PROVISIONED_ID}"));
    assert_eq!(reply.status, 200);
    let app_user = reply.json();
    assert_eq!(app_user["id"], PROVISIONED_ID);
    assert_eq!(app_user["scope"], "GROUP");
    assert_eq!(app_user["syncState"], "DISABLED");
    assert_eq!(app_user["credentials"]["userName"], PROVISIONED_LOGIN);
    assert_eq!(app_user["_links"]["group"]["name"], "All AD Users");
    assert_eq!(keys(&app_user)[..3], ["id", "externalId", "created"]);
    let expanded = client
        .get(&format!(
            "/api/v1/apps/{APP_ID}/users/{PROVISIONED_ID}?expand=user"
        ))
        .json();
    assert_eq!(expanded["_embedded"]["user"]["id"], PROVISIONED_ID);
    client
        .get(&format!("/api/v1/apps/{APP_ID}/users/{ACTIVE_ID}"))
        .assert_error(404, "E0000007");
    client
        .get(&format!(
            "/api/v1/apps/0oaUnknownApp0000000/users/{PROVISIONED_ID}"
        ))
        .assert_error(404, "E0000007");
}

// ---------------------------------------------------------------------------------------------
// System Log

fn uuids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_string())
        .collect()
}

fn iso(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[test]
fn polling_always_returns_next_and_sees_late_events_exactly_once() {
    let sim = start();
    let client = Client::new(&sim);
    let since = iso(chrono::Utc::now() - chrono::Duration::hours(1));
    let first = client.get(&format!("/api/v1/logs?since={}&limit=4", encode(&since)));
    assert_eq!(first.status, 200, "{}", first.body);
    let mut seen = uuids(&first.json());
    assert_eq!(seen.len(), 4);
    assert!(first.link("self").is_some());
    let mut next = first.link("next").expect("polling always has next");
    assert!(!next.contains("since="), "{next}");
    assert!(next.starts_with(&format!("{}/api/v1/logs?", sim.base_url())));

    // The rest of the seed (in persistence order, not published order).
    let second = client.get(&next);
    let page = second.json();
    seen.extend(uuids(&page));
    let all_seeded: Vec<String> = sim
        .log_events()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, all_seeded);
    next = second.link("next").unwrap();

    // Empty page: still a next link, which we must keep following.
    let empty = client.get(&next);
    assert_eq!(empty.json(), json!([]));
    let after_empty = empty.link("next").expect("next even on an empty page");

    // A late event (published an hour before the ones already returned) and a current one.
    let late_published = iso(chrono::Utc::now() - chrono::Duration::minutes(55));
    sim.append_events(vec![
        json!({
            "uuid": "late-event-1",
            "published": late_published,
            "eventType": "user.session.start",
            "severity": "INFO",
        }),
        json!({"eventType": "user.account.lock", "severity": "WARN"}),
    ]);
    let resumed = client.get(&after_empty);
    let page = resumed.json();
    let new_uuids = uuids(&page);
    assert_eq!(new_uuids.len(), 2);
    assert_eq!(new_uuids[0], "late-event-1");
    assert_eq!(page[1]["version"], "0");
    assert!(page[1]["published"].is_string());
    for uuid in &new_uuids {
        assert!(!seen.contains(uuid));
    }
    let again = client.get(&resumed.link("next").unwrap());
    assert_eq!(again.json(), json!([]));
    // Re-reading the old empty-page link is idempotent.
    assert_eq!(uuids(&client.get(&after_empty).json()), new_uuids);

    // limit=0 returns [] with a next link that loses nothing.
    let zero = client.get(&format!("{after_empty}&limit=0").replace("limit=4&", ""));
    assert_eq!(zero.json(), json!([]));
    assert_eq!(
        uuids(
            &client
                .get(&zero.link("next").unwrap().replace("limit=0", "limit=5"))
                .json()
        ),
        new_uuids
    );
}

#[test]
fn user_operations_reach_the_poller() {
    let sim = start();
    let client = Client::new(&sim);
    let since = iso(chrono::Utc::now() - chrono::Duration::minutes(5));
    let filter = encode(r#"eventType sw "user.lifecycle" and target.id eq "00uact1veAl1ceUsr0h7""#);
    let first = client.get(&format!(
        "/api/v1/logs?since={}&filter={filter}",
        encode(&since)
    ));
    assert_eq!(first.json(), json!([]));
    lifecycle(&client, ACTIVE_ID, "suspend");
    lifecycle(&client, SUSPENDED_ID, "unsuspend");
    let page = client.get(&first.link("next").unwrap()).json();
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["eventType"], "user.lifecycle.suspend");
    assert_eq!(page[0]["actor"]["id"], ME_ID);
}

#[test]
fn bounded_queries_order_by_published_and_end() {
    let sim = start();
    let client = Client::new(&sim);
    let now = chrono::Utc::now();
    let since = encode(&iso(now - chrono::Duration::hours(1)));
    let until = encode(&iso(now + chrono::Duration::seconds(1)));
    let mut url = format!("/api/v1/logs?since={since}&until={until}&limit=4");
    let mut published = Vec::new();
    let mut pages = 0;
    loop {
        let reply = client.get(&url);
        assert_eq!(reply.status, 200, "{}", reply.body);
        pages += 1;
        for event in reply.json().as_array().unwrap() {
            published.push(event["published"].as_str().unwrap().to_string());
        }
        match reply.link("next") {
            Some(next) => {
                assert!(next.contains("until=") && next.contains("after="));
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(published.len(), 6);
    let mut sorted = published.clone();
    sorted.sort();
    assert_eq!(published, sorted);

    let descending = client.get(&format!(
        "/api/v1/logs?since={since}&until={until}&sortOrder=DESCENDING"
    ));
    let body = descending.json();
    let mut times: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["published"].as_str().unwrap())
        .collect();
    assert!(descending.link("next").is_none());
    times.reverse();
    assert_eq!(times, sorted);
}

#[test]
fn log_filters_and_q() {
    let sim = start();
    let client = Client::new(&sim);
    let since = encode(&iso(chrono::Utc::now() - chrono::Duration::hours(2)));
    let count = |filter: &str| {
        let reply = client.get(&format!(
            "/api/v1/logs?since={since}&filter={}",
            encode(filter)
        ));
        assert_eq!(reply.status, 200, "{filter}: {}", reply.body);
        reply.json().as_array().unwrap().len()
    };
    assert_eq!(count(r#"eventType eq "user.session.start""#), 2);
    assert_eq!(count(r#"eventType sw "user.lifecycle""#), 2);
    assert_eq!(count(r#"target.id eq "00utiigb9kCWr4rzE0h7""#), 2);
    assert_eq!(count(r#"actor.id eq "00u8zfz6plqAdm1n00h7""#), 3);
    assert_eq!(count(r#"severity eq "WARN""#), 1);
    assert_eq!(
        count(r#"outcome.result eq "FAILURE" and severity eq "INFO""#),
        1
    );
    assert_eq!(
        count(r#"eventType eq "user.account.lock" or eventType eq "user.lifecycle.suspend""#),
        2
    );
    let q = client.get(&format!("/api/v1/logs?since={since}&q=smartsheet"));
    assert_eq!(q.json().as_array().unwrap().len(), 1);
}

#[test]
fn log_errors() {
    let sim = start();
    let client = Client::new(&sim);
    let bad = encode(r#"display_message eqq "Create okta user""#);
    let body = client
        .get(&format!("/api/v1/logs?filter={bad}"))
        .assert_error(400, "E0000053");
    assert_eq!(
        body["errorCauses"][0]["errorSummary"],
        "Invalid filter 'display_message eqq \"Create okta user\"': Unrecognized attribute \
         operator 'eqq' at position 16. Expected: eq,co,sw,pr,gt,ge,lt,le"
    );
    client
        .get("/api/v1/logs?filter=eventType%20eq")
        .assert_error(400, "E0000053");
    let body = client
        .get("/api/v1/logs?until=yesterday")
        .assert_error(400, "E0000001");
    assert_eq!(
        body["errorCauses"][0]["errorSummary"],
        "until: The date format in your query is not recognized. Please enter dates using \
         ISO8601 string format."
    );
    client
        .get("/api/v1/logs?since=2020-13-45")
        .assert_error(400, "E0000001");
    let since = encode(&iso(chrono::Utc::now()));
    client
        .get(&format!("/api/v1/logs?since={since}&after=1_1"))
        .assert_error(400, "E0000001");
    client
        .get("/api/v1/logs?limit=1001")
        .assert_error(400, "E0000001");
    client
        .get("/api/v1/logs?sortOrder=SIDEWAYS")
        .assert_error(400, "E0000001");
    client
        .get("/api/v1/logs?since=2019-01-01T00:00:00Z")
        .assert_error(400, "E0000053");
    let ok = client.get("/api/v1/logs?limit=1000&sortOrder=ASCENDING");
    assert_eq!(ok.status, 200);
}

// ---------------------------------------------------------------------------------------------
// Faults

#[test]
fn rate_limit_fault_gives_429_with_consistent_reset_and_date() {
    let sim = start();
    let client = Client::new(&sim);
    sim.add_fault(
        Fault::new(FaultKind::RateLimit)
            .on_path("/api/v1/logs")
            .times(2)
            .with_reset_secs(3),
    );
    // Other paths are unaffected.
    assert_eq!(client.get("/api/v1/users/me").status, 200);
    for _ in 0..2 {
        let reply = client.get("/api/v1/logs");
        let body = reply.assert_error(429, "E0000047");
        assert_eq!(
            body["errorSummary"],
            "API call exceeded rate limit due to too many requests."
        );
        assert_eq!(reply.header("x-rate-limit-remaining"), Some("0"));
        let reset: i64 = reply.header("x-rate-limit-reset").unwrap().parse().unwrap();
        let date = chrono::DateTime::parse_from_rfc2822(reply.header("date").unwrap()).unwrap();
        assert_eq!(reset - date.timestamp(), 3);
    }
    assert_eq!(client.get("/api/v1/logs").status, 200);
}

#[test]
fn concurrency_and_no_reset_faults() {
    let sim = start();
    let client = Client::new(&sim);
    sim.add_fault(Fault::new(FaultKind::ConcurrencyLimit));
    let reply = client.get("/api/v1/users");
    reply.assert_error(429, "E0000047");
    assert_eq!(reply.header("x-rate-limit-limit"), Some("0"));
    assert_eq!(reply.header("x-rate-limit-remaining"), Some("0"));
    assert!(reply.header("x-rate-limit-reset").is_some());
    sim.add_fault(Fault::new(FaultKind::RateLimitNoReset));
    let reply = client.get("/api/v1/users");
    assert_eq!(reply.status, 429);
    assert!(reply.header("x-rate-limit-reset").is_none());
    sim.add_fault(Fault::new(FaultKind::DuplicateRateLimitHeaders));
    let reply = client.get("/api/v1/users");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.all("x-rate-limit-remaining").len(), 2);
}

#[test]
fn status_fault_only_hits_matching_method() {
    let sim = start();
    let client = Client::new(&sim);
    sim.add_fault(
        Fault::new(FaultKind::Status)
            .on_method("POST")
            .on_path("/api/v1/users")
            .with_status(503),
    );
    assert_eq!(client.get("/api/v1/users/me").status, 200);
    let reply = client.post("/api/v1/users", new_user("retry.me@example.com"));
    reply.assert_error(503, "E0000009");
    assert_eq!(
        sim.users().len(),
        seed_user_count(),
        "a faulted request changes nothing"
    );
    assert_eq!(
        client
            .post("/api/v1/users", new_user("retry.me@example.com"))
            .status,
        200
    );
}

#[test]
fn non_json_fault_returns_html() {
    let sim = start();
    let client = Client::new(&sim);
    sim.add_fault(Fault::new(FaultKind::NonJson));
    let reply = client.get("/api/v1/users/me");
    assert_eq!(reply.status, 502);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(reply.body.starts_with("<!DOCTYPE html>"));
    sim.add_fault(Fault::new(FaultKind::NonJson).with_status(200));
    let reply = client.get("/api/v1/users/me");
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_str::<Value>(&reply.body).is_err());
}

#[test]
fn slow_fault_delays_without_blocking_others() {
    let sim = start();
    sim.add_fault(
        Fault::new(FaultKind::Slow)
            .on_path("/api/v1/logs")
            .with_delay_ms(1500),
    );
    let base = sim.base_url();
    let slow = std::thread::spawn(move || {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let started = Instant::now();
        let response = agent
            .get(&format!("{base}/api/v1/logs"))
            .header("Authorization", &format!("SSWS {TOKEN}"))
            .call()
            .unwrap();
        (response.status().as_u16(), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    let client = Client::new(&sim);
    let started = Instant::now();
    assert_eq!(client.get("/api/v1/users/me").status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "not blocked by the slow request"
    );
    let (status, elapsed) = slow.join().unwrap();
    assert_eq!(status, 200);
    assert!(elapsed >= Duration::from_millis(1500));
}

#[test]
fn drop_fault_closes_the_connection_without_response() {
    let sim = start();
    let client = Client::new(&sim);
    // Warm a keep-alive connection first.
    assert_eq!(client.get("/api/v1/users/me").status, 200);
    sim.add_fault(Fault::new(FaultKind::Drop).on_path("/api/v1/users/me"));
    let started = Instant::now();
    let result = client.try_get("/api/v1/users/me");
    assert!(
        result.is_err(),
        "expected a transport error, got {:?}",
        result.map(|r| r.status())
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The agent recovers on a new connection.
    assert_eq!(client.get("/api/v1/users/me").status, 200);
    // Raw view: EOF without a single byte.
    sim.add_fault(Fault::new(FaultKind::Drop));
    let address = sim.base_url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let request = format!("GET /api/v1/users/me HTTP/1.1\r\nHost: {address}\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut received = Vec::new();
    let outcome = stream.read_to_end(&mut received);
    assert!(
        received.is_empty(),
        "{}",
        String::from_utf8_lossy(&received)
    );
    assert!(outcome.is_ok() || outcome.is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock));
}

#[test]
fn faults_from_seed_and_control_endpoint() {
    let mut seed = seed();
    seed.faults = serde_json::from_value(json!([
        {"pathPrefix": "/api/v1/users", "count": 1, "kind": "status", "status": 500}
    ]))
    .unwrap();
    let sim = OktaSim::start(seed, 0).unwrap();
    let client = Client::new(&sim);
    client.get("/api/v1/users/me").assert_error(500, "E0000009");
    assert_eq!(client.get("/api/v1/users/me").status, 200);

    let agent = &client.agent;
    let control = format!("{}/__sim/faults", sim.base_url());
    let reply = Client::finish(agent.post(&control).send_json(json!({
        "method": "GET", "pathPrefix": "/api/v1/logs", "count": 2,
        "kind": "rateLimit", "resetSecs": 2
    })));
    assert_eq!(reply.json(), json!({"count": 1}));
    let pending = Client::finish(agent.get(&control).call()).json();
    assert_eq!(pending[0]["count"], 2);
    client.get("/api/v1/logs").assert_error(429, "E0000047");
    client.get("/api/v1/logs").assert_error(429, "E0000047");
    assert_eq!(client.get("/api/v1/logs").status, 200);
    let bad = Client::finish(agent.post(&control).send_json(json!({"kind": "explode"})));
    assert_eq!(bad.status, 400);
}

// ---------------------------------------------------------------------------------------------
// Journal and control endpoints

#[test]
fn journal_records_every_api_request_with_raw_parts() {
    let sim = start();
    let client = Client::new(&sim);
    client.get("/api/v1/users?search=status+eq+%22ACTIVE%22");
    let response = client
        .agent
        .post(&client.url(&format!("/api/v1/users/{ACTIVE_ID}")))
        .header("Authorization", &format!("SSWS {TOKEN}"))
        .header("X-Okta-Retry-For", "abc123")
        .header("X-Okta-Retry-Count", "1")
        .header("Content-Type", "application/json")
        .send(r#"{"profile":{"title":"x"}}"#)
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let journal = sim.journal();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].method, "GET");
    assert_eq!(journal[0].path, "/api/v1/users");
    assert_eq!(journal[0].query, "search=status+eq+%22ACTIVE%22");
    assert_eq!(journal[0].body, "");
    assert_eq!(
        journal[0].header("Authorization"),
        Some(format!("SSWS {TOKEN}").as_str())
    );
    assert_eq!(journal[1].method, "POST");
    assert_eq!(journal[1].body, r#"{"profile":{"title":"x"}}"#);
    assert_eq!(
        journal[1].headers.get("x-okta-retry-for").unwrap(),
        "abc123"
    );
    assert_eq!(journal[1].headers.get("x-okta-retry-count").unwrap(), "1");

    // The same through HTTP, and control requests are not journaled.
    let url = format!("{}/__sim/journal", sim.base_url());
    let over_http = Client::finish(client.agent.get(&url).call()).json();
    assert_eq!(over_http.as_array().unwrap().len(), 2);
    assert_eq!(over_http[1]["headers"]["x-okta-retry-for"], "abc123");
    assert_eq!(
        keys(&over_http[0]),
        ["connection", "method", "path", "query", "headers", "body"]
    );
    assert_eq!(Client::finish(client.agent.delete(&url).call()).status, 200);
    assert!(sim.journal().is_empty());
    client.get("/api/v1/users/me");
    sim.clear_journal();
    assert!(sim.journal().is_empty());
}

#[test]
fn control_events_and_state() {
    let sim = start();
    let client = Client::new(&sim);
    let url = format!("{}/__sim/events", sim.base_url());
    let reply = Client::finish(client.agent.post(&url).send_json(json!([
        {"eventType": "user.session.start", "severity": "INFO"},
        {"eventType": "user.account.lock", "uuid": "fixed-uuid", "version": 0}
    ])));
    assert_eq!(reply.json(), json!({"count": 2}));
    let events = sim.log_events();
    let added = &events[events.len() - 2..];
    assert!(added[0]["uuid"].as_str().unwrap().len() == 36);
    assert_eq!(added[0]["version"], "0");
    assert_eq!(added[1]["uuid"], "fixed-uuid");
    assert_eq!(added[1]["version"], 0, "given values are kept");

    let state = Client::finish(
        client
            .agent
            .get(&format!("{}/__sim/state", sim.base_url()))
            .call(),
    )
    .json();
    assert_eq!(state["users"].as_array().unwrap().len(), seed_user_count());
    assert_eq!(state["me"], ME_ID);
    // Seeded users are kept as given (no `_links` added to the stored objects).
    let seeded = &state["users"][0];
    assert_eq!(seeded["id"], PROVISIONED_ID);
    assert!(seeded.get("_links").is_none());
}

#[test]
fn default_seed_has_an_admin_and_the_default_token() {
    let sim = OktaSim::start(Seed::default(), 0).unwrap();
    let client = Client::new(&sim);
    let me = client.get("/api/v1/users/me");
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["status"], "ACTIVE");
    assert_eq!(client.get("/api/v1/logs").json(), json!([]));
}

#[test]
fn keep_alive_connections_and_concurrency() {
    let sim = start();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let base = sim.base_url();
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .new_agent();
                for _ in 0..20 {
                    let response = agent
                        .get(&format!("{base}/api/v1/users/me"))
                        .header("Authorization", &format!("SSWS {TOKEN}"))
                        .call()
                        .unwrap();
                    assert_eq!(response.status().as_u16(), 200);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(sim.journal().len(), 160);
}

#[test]
fn unknown_paths_and_methods() {
    let sim = start();
    let client = Client::new(&sim);
    client.get("/api/v1/groups").assert_error(404, "E0000008");
    client
        .put("/api/v1/logs", json!({}))
        .assert_error(405, "E0000022");
    lifecycle(&client, ACTIVE_ID, "explode").assert_error(404, "E0000008");
}

// ---------------------------------------------------------------------------------------------
// Binary

#[test]
fn binary_prints_its_base_url_first() {
    let seed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/sim/seed.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_okta-sim"))
        .args(["--seed", seed_path, "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0_u8; 1];
    while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let base = String::from_utf8(line).unwrap();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .get(&format!("{base}/api/v1/users/me"))
        .header("Authorization", &format!("SSWS {TOKEN}"))
        .call()
        .unwrap();
    let body: Value = response.body_mut().read_json().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(body["id"], ME_ID);
}
