//! `okta-sim`: a stateful local stand-in for the Okta Management API.
//!
//! It serves users (get, list with `search`/`filter`/`q` and Link pagination, create, update,
//! replace, delete, lifecycle), app assignments and the System Log under `/api/v1`, with
//! SSWS authentication, Okta's error envelope and rate-limit headers on every response.
//!
//! Control endpoints (no authentication, JSON):
//! - `GET /__sim/journal`, `DELETE /__sim/journal`: every `/api` request received, as
//!   `{"connection","method","path","query","headers":{lower-case name: value},"body"}`.
//! - `POST /__sim/events` (an array of LogEvent objects, or one) returns `{"count": n}`;
//!   `GET /__sim/events` lists all events in persistence order.
//! - `POST /__sim/faults` (one [`Fault`] or an array) returns `{"count": n}`;
//!   `GET /__sim/faults` lists pending faults, `DELETE /__sim/faults` clears them.
//! - `GET /__sim/state`: `{"users": [...as stored], "me", "appUsers", "logEventCount",
//!   "pendingFaults"}`.
//!
//! Seed ([`Seed`], all keys optional): `token`, `me` (user object or ID of a seeded user),
//! `users`, `appUsers` (`[{"appId", "appUser"}]`), `logEvents` (a `published` of the form
//! `now-10m` is resolved at load time), `faults`, `rateLimits`.
//!
//! Limitation: OAuth 2.0 (`Bearer` tokens, `/oauth2/v1/token`) is not modelled; only SSWS.
//! Limitation: search is immediately consistent; Okta's eventual consistency is not modelled.
//! Limitation: `transitioningToStatus` never appears; transitions complete synchronously.
//! Limitation: login uniqueness ignores case but not diacritics.
//! Limitation: System Log data older than 90 days is not truncated.
//! Limitation: `fields`, `expand=blocks`, `ETag`/`If-Match` and groups are not modelled.

mod errors;
mod faults;
mod http;
mod ids;
mod journal;
mod logs;
mod proxy;
mod query;
mod ratelimit;
mod seed;
mod server;
mod state;
mod time;
mod users;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use anyhow::Context;
use serde_json::Value;

pub use errors::OktaError;
pub use faults::{Fault, FaultKind};
pub use journal::JournalEntry;
pub use ratelimit::RateLimits;
pub use seed::{DEFAULT_TOKEN, Seed, SeedAppUser};

use proxy::ConnectionTable;
use server::Shared;
use state::SimState;

/// A running simulator; dropping it stops the server.
pub struct OktaSim {
    shared: Arc<Shared>,
    http: Arc<tiny_http::Server>,
    public_addr: SocketAddr,
}

impl OktaSim {
    /// Starts serving on 127.0.0.1:port (0 = any free port) in background threads.
    pub fn start(seed: Seed, port: u16) -> anyhow::Result<OktaSim> {
        let state = SimState::from_seed(seed)?;
        let http = tiny_http::Server::http("127.0.0.1:0")
            .map_err(|error| anyhow::anyhow!("starting the HTTP server: {error}"))?;
        let http = Arc::new(http);
        let upstream = http
            .server_addr()
            .to_ip()
            .context("the HTTP server has no IP address")?;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("binding 127.0.0.1:{port}"))?;
        let public_addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            base_url: format!("http://{public_addr}"),
            connections: Arc::new(ConnectionTable::default()),
            stopping: Arc::new(AtomicBool::new(false)),
        });
        proxy::spawn_front_door(
            listener,
            upstream,
            Arc::clone(&shared.connections),
            Arc::clone(&shared.stopping),
        );
        let serving_http = Arc::clone(&http);
        let serving_shared = Arc::clone(&shared);
        thread::spawn(move || server::serve(serving_http, serving_shared));
        Ok(OktaSim {
            shared,
            http,
            public_addr,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Every `/api` request received so far, in order.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.lock().journal.clone()
    }

    /// Forgets the journal.
    pub fn clear_journal(&self) {
        self.shared.lock().journal.clear();
    }

    /// Appends System Log events now (filling `uuid`, `published` and `version` when missing).
    pub fn append_events(&self, events: Vec<Value>) {
        let mut state = self.shared.lock();
        for event in events {
            state.logs.append(event, chrono::Utc::now());
        }
    }

    /// Queues a fault.
    pub fn add_fault(&self, fault: Fault) {
        self.shared.lock().faults.add(fault);
    }

    /// The current users, as stored.
    pub fn users(&self) -> Vec<Value> {
        self.shared
            .lock()
            .users
            .all()
            .iter()
            .map(|user| Value::Object(user.clone()))
            .collect()
    }

    /// Every System Log event, in persistence order.
    pub fn log_events(&self) -> Vec<Value> {
        self.shared.lock().logs.all()
    }
}

impl std::fmt::Debug for OktaSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaSim")
            .field("base_url", &self.shared.base_url)
            .finish()
    }
}

impl Drop for OktaSim {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.http.unblock();
        // Wakes the front door's accept loop so it sees `stopping`.
        let _ = TcpStream::connect(self.public_addr);
        self.shared.connections.close_all();
    }
}
