//! Fetching System Log events as incidents, exactly once across runs.
//!
//! A run follows Okta's polling guidance: the first run opens an ascending polling query from a
//! start time; every later run carries on from the `next` link the previous run saved, so the
//! position never comes from the local clock and late events are still delivered. A page is
//! either consumed whole or, when `max_fetch` cuts it, saved together with the ids of the
//! events already delivered from it, so the next run delivers the rest of it once.

use std::collections::HashSet;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::incidents::{EventSummary, incident_json};
use crate::inputs::{InputError, Inputs};
use crate::okta::{OktaClient, OktaError};

/// Most incidents per run when `max_fetch` is not set.
pub const DEFAULT_MAX_FETCH: u64 = 1000;

/// Most events the System Log returns in one page.
pub const MAX_PAGE_SIZE: u64 = 1000;

/// Look-back of a first run when neither `first_fetch` nor an interval is set.
const DEFAULT_FIRST_FETCH_MINUTES: i64 = 10;

/// Okta refuses System Log queries that start further back than this.
const MAX_LOOKBACK_DAYS: i64 = 180;

/// Longest saved link read back from lastRun; Okta's are a few hundred characters.
const MAX_LINK_LENGTH: usize = 8192;

/// How much later than Okta's furthest look-back a poll starts.
const LOOKBACK_MARGIN: Duration = Duration::minutes(10);

/// Most pages one run reads, whatever the pages hold.
const MAX_PAGES_PER_RUN: usize = 1100;

/// How the instance is configured to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchSettings {
    /// The System Log `filter` expression; None fetches every event type.
    pub query: Option<String>,
    /// Most incidents per run.
    pub max_fetch: u64,
    /// Minutes between System Log queries; 0 queries on every run.
    pub interval_minutes: u64,
    /// How far back the first run looks.
    pub first_fetch: Duration,
    /// The XSOAR incident type given to each incident.
    pub incident_type: Option<String>,
}

impl FetchSettings {
    /// Reads and validates the fetch parameters.
    pub fn from_params(params: &Map<String, Value>) -> Result<FetchSettings, InputError> {
        let inputs = Inputs::parameters(params);
        let max_fetch = inputs.count("max_fetch")?.unwrap_or(DEFAULT_MAX_FETCH);
        if max_fetch == 0 {
            return Err(InputError(
                "the parameter 'max_fetch' must be at least 1".into(),
            ));
        }
        let interval_minutes = inputs.count("fetch_events_time_minutes")?.unwrap_or(0);
        if interval_minutes > MAX_LOOKBACK_DAYS as u64 * 24 * 60 {
            return Err(InputError(format!(
                "the parameter 'fetch_events_time_minutes' must be at most {} minutes \
                 ({MAX_LOOKBACK_DAYS} days, the furthest back Okta's System Log reaches), got \
                 {interval_minutes}",
                MAX_LOOKBACK_DAYS * 24 * 60
            )));
        }
        let first_fetch = match inputs.text("first_fetch")? {
            Some(text) => parse_lookback(&text)
                .map_err(|why| InputError(format!("the parameter 'first_fetch' {why}")))?,
            None if interval_minutes > 0 => minutes(interval_minutes),
            None => Duration::minutes(DEFAULT_FIRST_FETCH_MINUTES),
        };
        // Okta refuses a start at its very limit by the time the request arrives: keep a margin.
        let first_fetch = first_fetch.min(Duration::days(MAX_LOOKBACK_DAYS) - LOOKBACK_MARGIN);
        Ok(FetchSettings {
            query: inputs.text("fetchLogsQuery")?,
            max_fetch,
            interval_minutes,
            first_fetch,
            incident_type: inputs.text("incidentType")?,
        })
    }

    /// Events asked for per page.
    fn page_size(&self) -> u32 {
        u32::try_from(self.max_fetch.min(MAX_PAGE_SIZE)).unwrap_or(1000)
    }
}

/// A number of minutes; counts are validated to at most 180 days before they get here.
fn minutes(count: u64) -> Duration {
    Duration::minutes(
        i64::try_from(count)
            .unwrap_or(i64::MAX)
            .min(MAX_LOOKBACK_DAYS * 24 * 60),
    )
}

/// Reads a look-back such as `3 days`, `90 minutes` or `12 hours` (XSOAR's usual form).
pub fn parse_lookback(text: &str) -> Result<Duration, String> {
    let usage = "must be a number and a unit, such as '3 days' or '90 minutes'";
    let trimmed = text.trim().trim_end_matches(" ago");
    let (number, unit) = trimmed.split_once(char::is_whitespace).ok_or(usage)?;
    let number: i64 = number.trim().parse().map_err(|_| {
        format!(
            "{usage}; '{}' is not a whole number of a sensible size",
            number.trim()
        )
    })?;
    let unit = unit.trim().to_ascii_lowercase();
    let seconds_per_unit: i64 = match unit.trim_end_matches('s') {
        "second" | "sec" => 1,
        "minute" | "min" => 60,
        "hour" | "hr" | "h" => 3600,
        "day" | "d" => 86_400,
        "week" | "w" => 7 * 86_400,
        "month" => 30 * 86_400,
        _ => return Err(format!("{usage}; '{unit}' is not a unit")),
    };
    if number < 1 {
        return Err(format!("{usage}; it must be at least 1"));
    }
    // Checked before any duration is built, so no number can overflow one.
    let limit = Duration::days(MAX_LOOKBACK_DAYS);
    match number
        .checked_mul(seconds_per_unit)
        .and_then(Duration::try_seconds)
    {
        Some(duration) if duration <= limit => Ok(duration),
        _ => Err(format!(
            "reaches back more than {MAX_LOOKBACK_DAYS} days, which Okta refuses"
        )),
    }
}

/// Where fetching stands between runs; what `lastRun` holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchState {
    /// The System Log page to read next, exactly as Okta linked it.
    pub next_link: Option<String>,
    /// Events of that page already delivered, when a run stopped inside it.
    pub delivered: Vec<String>,
    /// When the last query was sent (local clock): it gates the interval, and limits what a new
    /// poll delivers again when no saved link can be used.
    pub last_query: Option<DateTime<Utc>>,
    /// Whether the last run stopped at `max_fetch` with events possibly still waiting.
    pub backlog: bool,
    /// The newest `published` time among delivered events, and the events delivered with it:
    /// where a new poll starts when the saved link cannot be followed.
    pub newest: Option<NewestDelivered>,
}

/// The newest `published` time among delivered events, and the ids delivered with exactly it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewestDelivered {
    /// The time, as Okta wrote it.
    pub published: DateTime<Utc>,
    /// The events delivered with that time.
    pub ids: Vec<String>,
}

impl NewestDelivered {
    /// Takes note of one delivered event.
    fn note(newest: &mut Option<NewestDelivered>, published: Option<&str>, id: Option<&str>) {
        let Some(time) = published.and_then(|t| DateTime::parse_from_rfc3339(t).ok()) else {
            return;
        };
        let time = time.to_utc();
        let id = id.map(str::to_string);
        match newest {
            Some(known) if known.published == time => known.ids.extend(id),
            Some(known) if known.published > time => {}
            _ => {
                *newest = Some(NewestDelivered {
                    published: time,
                    ids: id.into_iter().collect(),
                })
            }
        }
    }
}

impl FetchState {
    /// Reads the state a previous run saved. A value of the wrong shape, or a last query time
    /// in the future, is ignored, with a warning saying so.
    pub fn from_last_run(
        last_run: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> (FetchState, Vec<String>) {
        let mut warnings = Vec::new();
        let mut ignore = |key: &str, expected: &str| {
            warnings.push(format!(
                "lastRun's '{key}' is not {expected}; it was ignored, so this run may repeat \
                 events of an earlier one"
            ));
        };
        let mut text = |key: &str| match last_run.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                ignore(key, "text");
                None
            }
        };
        let next_link = text("nextLink");
        let last_query = text("lastQueryTime");
        let delivered = match last_run.get("delivered") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) if ids.iter().all(Value::is_string) => ids
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            Some(_) => {
                ignore("delivered", "a list of event ids");
                Vec::new()
            }
        };
        let backlog = match last_run.get("backlog") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(backlog)) => *backlog,
            Some(_) => {
                ignore("backlog", "true or false");
                false
            }
        };
        let last_query = match last_query.map(|t| DateTime::parse_from_rfc3339(&t)) {
            None => None,
            Some(Ok(time)) if time.to_utc() <= now => Some(time.to_utc()),
            Some(Ok(_)) => {
                ignore("lastQueryTime", "in the past");
                None
            }
            Some(Err(_)) => {
                ignore("lastQueryTime", "an ISO 8601 time");
                None
            }
        };
        let newest = match (
            last_run.get("newestEventTime"),
            last_run.get("newestEventIds"),
        ) {
            (None | Some(Value::Null), _) => None,
            (Some(Value::String(time)), ids) => {
                let ids: Vec<String> = match ids {
                    Some(Value::Array(ids)) => ids
                        .iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect(),
                    _ => Vec::new(),
                };
                match DateTime::parse_from_rfc3339(time) {
                    Ok(time) => Some(NewestDelivered {
                        published: time.to_utc(),
                        ids,
                    }),
                    Err(_) => {
                        ignore("newestEventTime", "an ISO 8601 time");
                        None
                    }
                }
            }
            (Some(_), _) => {
                ignore("newestEventTime", "text");
                None
            }
        };
        let next_link = match next_link {
            Some(link) if link.len() > MAX_LINK_LENGTH || link.chars().any(char::is_control) => {
                ignore("nextLink", "a link Okta could have given");
                None
            }
            link => link,
        };
        let delivered = if delivered.len() as u64 > MAX_PAGE_SIZE {
            ignore("delivered", "one page of event ids");
            Vec::new()
        } else {
            delivered
        };
        let state = FetchState {
            next_link,
            delivered,
            last_query,
            backlog,
            newest,
        };
        (state, warnings)
    }

    /// The `lastRun` object to save.
    pub fn to_last_run(&self) -> Map<String, Value> {
        let mut last_run = Map::new();
        if let Some(link) = &self.next_link {
            last_run.insert("nextLink".into(), json!(link));
        }
        if !self.delivered.is_empty() {
            last_run.insert("delivered".into(), json!(self.delivered));
        }
        if let Some(time) = self.last_query {
            last_run.insert("lastQueryTime".into(), json!(timestamp(time)));
        }
        last_run.insert("backlog".into(), json!(self.backlog));
        if let Some(newest) = &self.newest {
            last_run.insert("newestEventTime".into(), json!(timestamp(newest.published)));
            last_run.insert("newestEventIds".into(), json!(newest.ids));
        }
        last_run
    }
}

/// An ISO 8601 UTC timestamp with milliseconds, as Okta writes them.
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Receives each incident as soon as it is made, so a run never holds them all.
pub type Deliver<'a> = dyn FnMut(String) -> Result<(), String> + 'a;

/// What one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchRun {
    /// How many incidents were delivered.
    pub incidents: u64,
    /// The state to save.
    pub state: FetchState,
    /// Problems that ended the run early without losing anything.
    pub warnings: Vec<String>,
    /// Whether Okta was queried at all (false while the interval has not elapsed).
    pub queried: bool,
}

impl FetchRun {
    /// A run that queried Okta.
    fn queried(incidents: u64, state: FetchState, warnings: Vec<String>) -> FetchRun {
        FetchRun {
            incidents,
            state,
            warnings,
            queried: true,
        }
    }
}

/// Where a run starts: the saved link and the events already delivered from its page, or,
/// without a saved link this query can follow, a new poll.
fn starting_point(
    client: &OktaClient,
    settings: &FetchSettings,
    previous: &FetchState,
    now: DateTime<Utc>,
) -> Result<(String, HashSet<String>), FetchError> {
    if let Some(link) = &previous.next_link {
        if saved_link_follows(client, link, settings)? {
            return Ok((link.clone(), previous.delivered.iter().cloned().collect()));
        }
    }

    // A new poll (the query changed, or nothing usable was saved) starts at the newest event
    // delivered so far, skipping those delivered with that very time: no waiting event is
    // missed. Without one, the last query time; on a first run, first_fetch ago.
    let earliest = now - Duration::days(MAX_LOOKBACK_DAYS) + LOOKBACK_MARGIN;
    let (since, skip) = match (&previous.newest, previous.last_query) {
        (Some(newest), _) => (newest.published, newest.ids.iter().cloned().collect()),
        (None, Some(last)) => (last, HashSet::new()),
        (None, None) => (now - settings.first_fetch, HashSet::new()),
    };
    let since = since.max(earliest);
    let query = settings.query.as_deref();
    Ok((
        client.log_poll_link(&timestamp(since), query, settings.page_size()),
        skip,
    ))
}

/// Whether a saved link continues this poll: true when its filter is the configured query,
/// false when the query has changed since; an error when it is no polling link Okta gives.
fn saved_link_follows(
    client: &OktaClient,
    link: &str,
    settings: &FetchSettings,
) -> Result<bool, FetchError> {
    let refuse = |why: &str| {
        Err(FetchError::SavedLinkUnusable(format!(
            "the System Log link saved in lastRun {why}; reset the instance's last run"
        )))
    };
    if !client.is_log_link(link) {
        return refuse(&format!(
            "('{link}') does not point at the System Log of the configured Okta org"
        ));
    }
    let Ok(parsed) = url::Url::parse(link) else {
        return refuse("is not a URL");
    };
    let param = |name: &str| {
        parsed
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    if param("until").is_some() {
        return refuse("has an end time ('until'), so it would never see new events");
    }
    if param("limit").is_some_and(|limit| limit.parse::<u64>().map_or(true, |n| n == 0)) {
        return refuse("asks for no events ('limit')");
    }
    let filter = param("filter").filter(|filter| !filter.trim().is_empty());
    Ok(filter.as_deref() == settings.query.as_deref())
}

/// Runs one fetch, handing each incident to `deliver`, oldest first. Fails only when the first
/// request fails (or an incident cannot be delivered), so the engine keeps the old state.
pub fn fetch(
    client: &OktaClient,
    settings: &FetchSettings,
    previous: &FetchState,
    now: DateTime<Utc>,
    deliver: &mut Deliver,
) -> Result<FetchRun, FetchError> {
    let interval = minutes(settings.interval_minutes);
    let waiting = previous
        .last_query
        .is_some_and(|last| now - last < interval);
    if settings.interval_minutes > 0 && waiting && !previous.backlog {
        return Ok(FetchRun {
            incidents: 0,
            state: previous.clone(),
            warnings: Vec::new(),
            queried: false,
        });
    }

    let (mut link, mut skip) = starting_point(client, settings, previous, now)?;
    let saved_link = previous.next_link.as_ref() == Some(&link);

    let mut incidents: u64 = 0;
    let mut warnings = Vec::new();
    let mut state = FetchState {
        last_query: Some(now),
        newest: previous.newest.clone(),
        ..FetchState::default()
    };
    for page_number in 0..MAX_PAGES_PER_RUN {
        let page = client.log_events_at(&link);
        let read = match &page {
            Ok(page) => page.events().map(|events| (events, page.next.clone())),
            Err(error) => Err(error.clone()),
        };
        let (events, next) = match read {
            Ok(read) => read,
            Err(OktaError::Api(error)) if page_number == 0 && saved_link && error.status == 400 => {
                return Err(FetchError::SavedLinkRefused(OktaError::Api(error)));
            }
            Err(error) if page_number == 0 => return Err(FetchError::Okta(error)),
            Err(error) => {
                warnings.push(format!("stopped early, to carry on next run: {error}"));
                state.next_link = Some(link);
                state.delivered = skip.into_iter().collect();
                state.backlog = true;
                return Ok(FetchRun::queried(incidents, state, warnings));
            }
        };
        // A page shorter than the link asked for means the poll has caught up with Okta for
        // now. A saved link keeps the limit it was made with, whatever max_fetch is today.
        let asked = page_limit(&link).unwrap_or(u64::from(settings.page_size()));
        let caught_up = (events.len() as u64) < asked;

        let mut delivered_here: Vec<String> = skip.iter().cloned().collect();
        let mut cut = false;
        for event in events {
            let summary = EventSummary::read(event.get());
            let id = summary.uuid.as_deref();
            if id.is_some_and(|id| skip.contains(id)) {
                continue;
            }
            if incidents >= settings.max_fetch {
                cut = true;
                break;
            }
            let incident = incident_json(event.get(), &summary, settings.incident_type.as_deref());
            deliver(incident).map_err(FetchError::Output)?;
            incidents += 1;
            NewestDelivered::note(&mut state.newest, summary.published(), id);
            if let Some(id) = id {
                delivered_here.push(id.to_string());
            }
        }

        // A cut page, or one without a link forward, is read again next run, less what was
        // delivered from it.
        let next = match next {
            Some(next) if !cut && next != link => next,
            _ => {
                state.next_link = Some(link);
                state.delivered = delivered_here;
                state.backlog = cut;
                return Ok(FetchRun::queried(incidents, state, warnings));
            }
        };

        link = next;
        skip = HashSet::new();
        let full = incidents >= settings.max_fetch;
        if caught_up || full {
            state.next_link = Some(link);
            state.backlog = full && !caught_up;
            return Ok(FetchRun::queried(incidents, state, warnings));
        }
    }
    warnings.push(format!(
        "stopped after {MAX_PAGES_PER_RUN} pages; the next run carries on"
    ));
    state.next_link = Some(link);
    state.backlog = true;
    Ok(FetchRun::queried(incidents, state, warnings))
}

/// The `limit` a System Log link asks for.
fn page_limit(link: &str) -> Option<u64> {
    let parsed = url::Url::parse(link).ok()?;
    let mut pairs = parsed.query_pairs();
    pairs
        .find(|(name, _)| name == "limit")
        .and_then(|(_, value)| value.parse().ok())
}

/// Why a run failed.
#[derive(Debug)]
pub enum FetchError {
    /// The first request of the run failed.
    Okta(OktaError),
    /// Okta refused the saved position itself (an expired or damaged link).
    SavedLinkRefused(OktaError),
    /// The saved link is not one a poll can follow.
    SavedLinkUnusable(String),
    /// An incident could not be written out.
    Output(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Okta(error) => error.fmt(f),
            FetchError::SavedLinkUnusable(why) => f.write_str(why),
            FetchError::SavedLinkRefused(error) => write!(
                f,
                "{error}. Okta refused the position saved in lastRun; reset the instance's last \
                 run to start again from 'first_fetch'"
            ),
            FetchError::Output(why) => write!(f, "incidents could not be written out: {why}"),
        }
    }
}

impl std::error::Error for FetchError {}
