//! Garmin Connect Developer Program emulator (Health API + Activity API), mounted under `/garmin`
//! with its control API under `/_emulator/garmin`.
//!
//! Paths mirror Garmin's three hosts under one prefix:
//! - OAuth 2.0 + PKCE: `GET /garmin/oauth2Confirm` (auto-approves), `POST
//!   /garmin/di-oauth2-service/oauth/token` (credentials in the form body, S256 verifier checked,
//!   a new single-use refresh token on every response).
//! - REST (Bearer): `/garmin/wellness-api/rest/user/{id,permissions,registration}` (also under
//!   `/garmin/partner-gateway/rest/user/*`), the summary endpoints
//!   `/garmin/wellness-api/rest/{type}?uploadStartTimeInSeconds&uploadEndTimeInSeconds` (upload
//!   time, at most 24 h) and `/garmin/wellness-api/rest/backfill/{type}?summaryStartTimeInSeconds
//!   &summaryEndTimeInSeconds` (202, then asynchronous deliveries). Errors are
//!   `{"errorMessage": ..}`.
//! - Webhooks: Garmin has no subscription API; the target is set in its portal, here with
//!   `POST /_emulator/garmin/webhook-target {"url", "mode": "push"|"ping", "modes": {type: mode}}`.
//!   Deliveries carry `garmin-client-id` and no signature (Garmin signs nothing), count as
//!   delivered only on HTTP 200, and are retried with exponential backoff.
//! - Control: `GET /users`, `GET|POST /users/{id}/{type}` (list / create a summary now and notify
//!   it), `POST /users/{id}/deauthorize`, `POST /users/{id}/permissions`, `GET /deliveries`,
//!   `GET /backfills`, `POST /tokens/expire`, `POST /tokens/revoke`, `POST /fail-next`.
//!   Authorize takes `login_hint`, `emulator_deny=true`, `emulator_historical=false` and
//!   `emulator_permissions=A,B`.
//!
//! Choices where Garmin's behaviour is not verified: the old refresh token is rejected once used
//! (`refresh_grace_secs` relaxes it); `user/permissions` answers a bare JSON array; 429 answers
//! carry `Retry-After` only; backfill reaches `backfill_horizon_days` before the user's first
//! connection and rejects overlapping re-requests with 409; a request may span 30 days for
//! Activity API types and 90 for Health API types (Garmin's 2025 specs; Open Wearables assumes 30).

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chrono::{DateTime, FixedOffset, Offset as _, Utc};

mod api;
mod control;
mod data;
mod delivery;
mod gen_activity;
mod gen_day;
mod gen_misc;
mod gen_sleep;
mod kind;
mod live;
mod oauth;
mod state;

use state::State;

/// Settings of the Garmin emulator.
#[derive(Debug, Clone)]
pub struct GarminConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Access tokens live a day.
    pub access_token_ttl_secs: i64,
    /// Refresh tokens live about 90 days.
    pub refresh_token_ttl_secs: i64,
    /// How long a rotated refresh token still works (0: single use).
    pub refresh_grace_secs: i64,
    /// Days of generated history per user, ending today.
    pub history_days: u32,
    /// Local UTC offset of generated data (`...OffsetInSeconds`).
    pub zone_offset_secs: i32,
    /// Spacing of the daily summary's `timeOffsetHeartRateSamples` (Garmin: 15 s).
    pub heart_rate_interval_secs: i64,
    /// Whether the auto-approving user leaves the historical-data toggle on
    /// (`emulator_historical=false` on authorize turns it off for one user).
    pub grant_historical_data: bool,
    /// Longest backfill request for Activity API types (days).
    pub activity_backfill_max_days: i64,
    /// Longest backfill request for Health API types (days).
    pub health_backfill_max_days: i64,
    /// Backfill reaches this many days before the user's first connection.
    pub backfill_horizon_days: i64,
    /// Delay before backfilled data is delivered.
    pub backfill_delay_ms: u64,
    /// Items per webhook body.
    pub push_batch_size: usize,
    /// Retries after a failed delivery; retry `n` waits `base * 2^(n-1)`.
    pub webhook_max_retries: u32,
    pub webhook_retry_base_ms: u64,
    /// Base of `callbackURL`s (else taken from the request that caused the delivery).
    pub public_base_url: Option<String>,
}

impl Default for GarminConfig {
    fn default() -> Self {
        Self {
            client_id: "wearhouse-local".to_owned(),
            client_secret: "wearhouse-local-secret".to_owned(),
            access_token_ttl_secs: 86_400,
            refresh_token_ttl_secs: 7_776_000,
            refresh_grace_secs: 0,
            history_days: 35,
            zone_offset_secs: -18_000,
            heart_rate_interval_secs: 120,
            grant_historical_data: true,
            activity_backfill_max_days: 30,
            health_backfill_max_days: 90,
            backfill_horizon_days: 30,
            backfill_delay_ms: 100,
            push_batch_size: 100,
            webhook_max_retries: 4,
            webhook_retry_base_ms: 500,
            public_base_url: None,
        }
    }
}

/// Shared state of the Garmin emulator (one per [`crate::Emulator`]).
pub struct Garmin {
    pub(crate) config: GarminConfig,
    pub(crate) seed: u64,
    pub(crate) tz: FixedOffset,
    pub(crate) http: reqwest::Client,
    state: Mutex<State>,
}

impl Garmin {
    pub fn new(config: GarminConfig, seed: u64, http: reqwest::Client) -> Self {
        let tz = FixedOffset::east_opt(config.zone_offset_secs).unwrap_or_else(|| {
            tracing::warn!(
                offset = config.zone_offset_secs,
                "invalid zone offset, using UTC"
            );
            Utc.fix()
        });
        Self {
            config: GarminConfig {
                push_batch_size: config.push_batch_size.max(1),
                heart_rate_interval_secs: config.heart_rate_interval_secs.clamp(15, 3600),
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

    /// Creates the next emulated user (history ending `now`); returns its index.
    pub(crate) fn create_user(&self, st: &mut State, now: DateTime<Utc>) -> usize {
        let number = st.users.len() as u64 + 1;
        let user = data::generate_user(self.seed, number, now, &self.config, self.tz);
        tracing::info!(user_id = %user.id, number, records = user.records.len(), "created emulated Garmin user");
        st.users.push(user);
        st.users.len() - 1
    }

    /// `scheme://host[:port]` for callback URLs.
    pub(crate) fn public_base(&self, req: &HttpRequest) -> String {
        match &self.config.public_base_url {
            Some(base) => base.trim_end_matches('/').to_owned(),
            None => {
                let info = req.connection_info();
                format!("{}://{}", info.scheme(), info.host())
            }
        }
    }
}

/// Registers the Garmin routes (expects `web::Data<Garmin>` in app data).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/garmin")
            .configure(oauth::configure)
            .configure(api::configure),
    )
    .service(web::scope("/_emulator/garmin").configure(control::configure));
}

/// Garmin's error body: `{"errorMessage": ".."}`.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "errorMessage": message.into() }))
}

/// An error rendered as [`error`], so handlers can use `?`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        error(self.status, self.message.clone())
    }
}
