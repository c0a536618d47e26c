//! Fitbit Web API emulator: OAuth 2.0 with PKCE and HTTP Basic client authentication, the REST
//! API (profile, daily summary, exercise logs, heart rate with intraday, sleep v1.2, HRV, SpO2,
//! breathing rate, skin temperature, cardio score, weight and fat logs), per-user subscriptions
//! and signed notifications with retries.
//!
//! Routes mirror the real hosts' path shapes under `/fitbit`:
//! - OAuth: `/fitbit/oauth2/authorize` (www.fitbit.com), `/fitbit/oauth2/token` and
//!   `/fitbit/oauth2/revoke` (api.fitbit.com).
//! - REST: `/fitbit/1/user/-/...` and `/fitbit/1.2/user/-/sleep/...`; the API base URL is
//!   `{base}/fitbit`.
//! - Control API (not Fitbit's): `/_emulator/fitbit/...`. The subscriber endpoint, registered in
//!   Fitbit's developer portal in real life, is set with `POST /_emulator/fitbit/webhook-target
//!   {"url", "verification_code"?, "subscriber_id"?}`; with a code it is verified like Fitbit does
//!   (`GET ?verify=<code>` must answer 204, a wrong code 404).
//!
//! Units follow `Accept-Language`: `en_US` (miles, pounds, feet, °F), `en_GB` (km, stone),
//! anything else metric. UNVERIFIED behaviour is configurable in [`FitbitConfig`]: whether PKCE is
//! required, the notification retry schedule and whether only 204 acknowledges a notification.

mod api;
mod control;
mod data;
mod delivery;
mod gen_activity;
mod gen_sleep;
mod oauth;
mod render;
mod sha1;
mod state;
mod subscriptions;

use std::sync::{Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, Offset as _, Utc};

pub use delivery::sign;

use state::State;

/// Settings of the Fitbit emulator.
#[derive(Debug, Clone)]
pub struct FitbitConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Fitbit access tokens last 8 hours.
    pub access_token_ttl_secs: i64,
    /// Days of generated history per user, ending today.
    pub history_days: u32,
    /// Local UTC offset of generated data (the profile's `offsetFromUTCMillis`).
    pub zone_offset_secs: i32,
    /// Requests per user per clock hour (Fitbit: 150); more answer 429.
    pub rate_limit_per_hour: u32,
    /// Whether `/oauth2/authorize` requires an S256 `code_challenge`.
    pub require_pkce: bool,
    /// Subscriber id used when a subscription request names none.
    pub default_subscriber_id: String,
    /// Retries after the first attempt; retry `n` waits `n * webhook_retry_base_ms`.
    pub webhook_max_retries: u32,
    pub webhook_retry_base_ms: u64,
    /// Fitbit documents 204 as the acknowledgement; when false any 2xx counts.
    pub webhook_require_204: bool,
}

impl Default for FitbitConfig {
    fn default() -> Self {
        Self {
            client_id: "23WHLO".to_owned(),
            client_secret: "wearhouse-local-secret".to_owned(),
            access_token_ttl_secs: 28_800,
            history_days: 35,
            zone_offset_secs: -5 * 3600,
            rate_limit_per_hour: 150,
            require_pkce: true,
            default_subscriber_id: "1".to_owned(),
            webhook_max_retries: 5,
            webhook_retry_base_ms: 500,
            webhook_require_204: true,
        }
    }
}

/// Shared state of the Fitbit emulator (one per [`crate::Emulator`]).
pub struct Fitbit {
    pub(crate) config: FitbitConfig,
    pub(crate) seed: u64,
    pub(crate) tz: FixedOffset,
    pub(crate) http: reqwest::Client,
    state: Mutex<State>,
}

impl Fitbit {
    pub fn new(config: FitbitConfig, seed: u64, http: reqwest::Client) -> Self {
        let tz = FixedOffset::east_opt(config.zone_offset_secs).unwrap_or_else(|| {
            tracing::warn!(
                offset = config.zone_offset_secs,
                "invalid zone offset, using UTC"
            );
            Utc.fix()
        });
        Self {
            config,
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

    /// Creates the next emulated user (generated history ending today); returns its index.
    pub(crate) fn create_user(&self, st: &mut State) -> usize {
        let number = st.users.len() as u64 + 1;
        let now = self.now_local();
        let user = data::generate_user(self.seed, number, now.date(), &self.config, now, self.tz);
        tracing::info!(user_id = %user.id, number, "created emulated Fitbit user");
        st.users.push(user);
        st.users.len() - 1
    }

    /// Now on the wearer's local clock.
    pub(crate) fn now_local(&self) -> NaiveDateTime {
        Utc::now().with_timezone(&self.tz).naive_local()
    }

    pub(crate) fn today(&self) -> NaiveDate {
        self.now_local().date()
    }
}

/// Registers the Fitbit routes (expects `web::Data<Fitbit>` in app data).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/fitbit")
            .configure(oauth::configure)
            .configure(api::configure),
    )
    .service(web::scope("/_emulator/fitbit").configure(control::configure));
}

/// An error response carried through `Result`s (boxed: `HttpResponse` is large).
pub(crate) type Refusal = Box<HttpResponse>;

/// Fitbit's error envelope: `{"errors": [{"errorType", "message"}], "success": false}`.
pub(crate) fn fitbit_error(
    status: StatusCode,
    error_type: &str,
    message: impl Into<String>,
) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "errors": [{"errorType": error_type, "message": message.into()}],
        "success": false,
    }))
}

/// A validation error naming the offending field.
pub(crate) fn validation_error(field: &str, message: impl Into<String>) -> HttpResponse {
    HttpResponse::BadRequest().json(serde_json::json!({
        "errors": [{"errorType": "validation", "fieldName": field, "message": message.into()}],
        "success": false,
    }))
}
