//! Withings Public Health Data API emulator, mounted under `/withings` with the real path shapes:
//! authorize `/withings/oauth2_user/authorize2` (alias `/withings/oauth/authorize`), token
//! `/withings/v2/oauth2` (alias `/withings/oauth/token`), signed nonces `/withings/v2/signature`,
//! REST `/withings/measure`, `/withings/v2/measure`, `/withings/v2/sleep`, subscriptions
//! `/withings/notify`. The control API lives under `/_emulator/withings`.
//!
//! Like Withings, every answer is HTTP 200 `{"status": <int>, "body": {..}}` with `status != 0`
//! on errors (401 invalid token, 503 invalid params, 601 too many requests, …), except injected
//! faults (`fail-next`) with an HTTP status of 429 or 5xx. Notifications are unsigned form POSTs
//! to the callback URL each user subscribed (`action=subscribe`), which is checked with a GET
//! when subscribing (`validate_callback`); a callback must answer 2xx within `ack_timeout_ms`,
//! each notification is retried `webhook_retries` times, and a subscription is dropped after
//! `max_consecutive_failures` failed attempts in a row.

use std::sync::{Mutex, MutexGuard};

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{FixedOffset, NaiveDate, Offset as _, Utc};
use serde_json::{Value, json};

mod api;
mod control;
mod daily;
mod data;
mod delivery;
mod intraday;
mod notify;
mod oauth;
mod sleep;
mod state;

pub use oauth::sign;

use state::State;

/// Settings of the Withings emulator.
#[derive(Debug, Clone)]
pub struct WithingsConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Access tokens live 3 hours.
    pub access_token_ttl_secs: i64,
    /// Refresh tokens live a year.
    pub refresh_token_ttl_secs: i64,
    /// A rotated refresh token stays valid this long, unless the new access token is used.
    pub refresh_grace_secs: i64,
    /// Authorization codes are valid 30 seconds.
    pub code_ttl_secs: i64,
    /// Days of generated history per user, ending today.
    pub history_days: u32,
    /// IANA name reported as `timezone`; should match `zone_offset_secs` (no DST is applied).
    pub timezone: String,
    /// Local UTC offset of generated data.
    pub zone_offset_secs: i32,
    /// Items per page of `getmeas`, `getactivity`, `getworkouts` and `getsummary`.
    pub page_size: usize,
    /// `action=subscribe` first checks that the callback answers a GET with 2xx.
    pub validate_callback: bool,
    /// A notification not answered 2xx within this time failed.
    pub ack_timeout_ms: u64,
    /// Retries after a failed notification; retry `n` waits `n * webhook_retry_base_ms`.
    pub webhook_retries: u32,
    pub webhook_retry_base_ms: u64,
    /// Failed attempts in a row after which a subscription is removed.
    pub max_consecutive_failures: u32,
}

impl Default for WithingsConfig {
    fn default() -> Self {
        Self {
            client_id: "wearhouse-local".to_owned(),
            client_secret: "wearhouse-local-secret".to_owned(),
            access_token_ttl_secs: 10_800,
            refresh_token_ttl_secs: 365 * 86_400,
            refresh_grace_secs: 8 * 3600,
            code_ttl_secs: 30,
            history_days: 35,
            timezone: "America/Sao_Paulo".to_owned(),
            zone_offset_secs: -3 * 3600,
            page_size: 10,
            validate_callback: true,
            ack_timeout_ms: 2000,
            webhook_retries: 3,
            webhook_retry_base_ms: 500,
            max_consecutive_failures: 4,
        }
    }
}

/// Shared state of the Withings emulator (one per [`crate::Emulator`]).
pub struct Withings {
    pub(crate) config: WithingsConfig,
    pub(crate) seed: u64,
    pub(crate) tz: FixedOffset,
    pub(crate) http: reqwest::Client,
    state: Mutex<State>,
}

impl Withings {
    pub fn new(config: WithingsConfig, seed: u64, http: reqwest::Client) -> Self {
        let tz = FixedOffset::east_opt(config.zone_offset_secs).unwrap_or_else(|| {
            tracing::warn!(
                offset = config.zone_offset_secs,
                "invalid zone offset, using UTC"
            );
            Utc.fix()
        });
        let page_size = config.page_size.max(1);
        Self {
            config: WithingsConfig {
                page_size,
                ..config
            },
            seed,
            tz,
            http,
            state: Mutex::new(State::default()),
        }
    }

    /// Locks the state. Never hold the guard across an `.await`.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Creates the next emulated user (history ending today); returns its index.
    pub(crate) fn create_user(&self, st: &mut State) -> usize {
        let number = st.users.len() as u64 + 1;
        let today = self.today();
        let now = Utc::now().timestamp();
        let mut user = data::generate_user(self.seed, number, today, now, &self.config, self.tz);
        while st.users.iter().any(|u| u.id == user.id) {
            user.id = (user.id.parse::<u64>().unwrap_or(10_000_000) + 1).to_string();
        }
        tracing::info!(user_id = %user.id, number, "created emulated Withings user");
        st.users.push(user);
        st.users.len() - 1
    }

    /// Today in the local zone of the generated data.
    pub(crate) fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.tz).date_naive()
    }
}

/// Registers the Withings routes (expects `web::Data<Withings>` in app data).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/withings")
            .configure(oauth::configure)
            .configure(api::configure)
            .configure(notify::configure),
    )
    .service(web::scope("/_emulator/withings").configure(control::configure));
}

/// `{"status":0,"body":..}`.
pub(crate) fn ok(body: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": 0, "body": body }))
}

/// A Withings error: HTTP 200 with a non-zero `status`.
pub(crate) fn fail(status: i64, error: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": status, "body": {}, "error": error }))
}

/// 503 "Invalid Params", Withings' answer to a missing or malformed parameter.
pub(crate) fn invalid_params(detail: &str) -> HttpResponse {
    fail(503, &format!("Invalid Params: {detail}"))
}

/// Parameters of the query string and of a form body (Withings takes either); the body wins.
pub(crate) fn params(req: &HttpRequest, body: &[u8]) -> Params {
    let mut all: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form && !body.is_empty() {
        all.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default());
    }
    Params(all.into_iter().filter(|(_, v)| !v.is_empty()).collect())
}

/// Request parameters; the last value of a repeated key wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// An integer parameter; `Err` names it when present but not an integer.
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, Reject> {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => raw
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| Reject::params(&format!("{key} must be an integer"))),
        }
    }
}

/// Why a REST call is not answered normally: a Withings error status, or an injected fault.
#[derive(Debug, Clone)]
pub(crate) enum Reject {
    Withings { status: i64, error: String },
    Fault(state::Fault),
}

impl Reject {
    /// 503 "Invalid Params: {detail}".
    pub(crate) fn params(detail: &str) -> Self {
        Reject::Withings {
            status: 503,
            error: format!("Invalid Params: {detail}"),
        }
    }

    pub(crate) fn response(&self) -> HttpResponse {
        match self {
            Reject::Withings { status, error } => fail(*status, error),
            Reject::Fault(fault) => api::fault_response(fault),
        }
    }
}
