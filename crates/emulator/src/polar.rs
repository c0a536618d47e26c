//! Polar AccessLink v3 emulator: OAuth (`/polar/oauth2/authorization`, `/polar/v2/oauth2/token`,
//! HTTP Basic, no refresh token, `x_user_id`), user registration, REST under `/polar/v3/...`,
//! the one-per-client webhooks API, and signed webhook deliveries with retries. Control API under
//! `/_emulator/polar`.
//!
//! Emulator choices on UNVERIFIED points: access tokens live `access_token_ttl_secs` (a year by
//! default); data endpoints answer 403 until the user is registered; each delivery attempt is
//! re-stamped (fresh `timestamp`, so a fresh signature); a webhook is deactivated after
//! `deactivate_after_failures` deliveries in a row failed every retry (Polar: after 7 days);
//! 429s carry `Retry-After` plus `RateLimit-Usage`/`RateLimit-Limit`/`RateLimit-Reset`
//! (short-term, long-term pairs). Polar sends no deauthorization notice: the control endpoint
//! `users/{id}/deauthorize` revokes the user's tokens and registration silently.

use std::sync::{Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{FixedOffset, NaiveDate, Offset as _, SecondsFormat, Utc};
use serde_json::json;

mod api;
mod control;
mod daily_api;
mod data;
mod days;
mod delivery;
mod exercise;
mod night;
mod oauth;
mod state;
mod webhooks;

pub use delivery::sign;

use state::State;

/// Settings of the Polar emulator.
#[derive(Debug, Clone)]
pub struct PolarConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Lifetime of access tokens (`expires_in`); Polar's are long-lived.
    pub access_token_ttl_secs: i64,
    /// Days of generated history per user, ending today.
    pub history_days: u32,
    /// Local UTC offset of generated data.
    pub zone_offset_secs: i32,
    /// Delay before delivery retry `n` is `n * webhook_retry_base_ms`.
    pub webhook_retry_base_ms: u64,
    /// Retries after the first delivery attempt.
    pub webhook_max_retries: u32,
    /// Deliveries in a row that failed every retry before the webhook is deactivated.
    pub deactivate_after_failures: u32,
}

impl Default for PolarConfig {
    fn default() -> Self {
        Self {
            client_id: "wearhouse-local".to_owned(),
            client_secret: "wearhouse-local-secret".to_owned(),
            access_token_ttl_secs: 365 * 86_400,
            history_days: 35,
            zone_offset_secs: 7200,
            webhook_retry_base_ms: 500,
            webhook_max_retries: 5,
            deactivate_after_failures: 3,
        }
    }
}

/// Shared state of the Polar emulator.
pub struct Polar {
    pub(crate) config: PolarConfig,
    pub(crate) seed: u64,
    pub(crate) tz: FixedOffset,
    pub(crate) http: reqwest::Client,
    state: Mutex<State>,
}

impl Polar {
    pub fn new(config: PolarConfig, seed: u64, http: reqwest::Client) -> Self {
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
        let user = data::generate_user(self.seed, number, self.today(), &self.config, self.tz);
        tracing::info!(user_id = user.id, number, "created emulated Polar user");
        st.users.push(user);
        st.users.len() - 1
    }

    /// Today in the local zone of the generated data.
    pub(crate) fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.tz).date_naive()
    }
}

/// Registers the Polar routes (expects `web::Data<Polar>` in app data).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/polar")
            .configure(oauth::configure)
            .configure(webhooks::configure)
            .configure(daily_api::configure)
            .configure(api::configure),
    )
    .service(web::scope("/_emulator/polar").configure(control::configure));
}

/// AccessLink's error model: `{timestamp, status, errorType, message, corrId}`.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(error_body(status, &message.into()))
}

/// A rejected request, rendered as [`error`] (small enough to travel in a `Result`).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    status: StatusCode,
    message: String,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn response(&self) -> HttpResponse {
        error(self.status, self.message.clone())
    }
}

pub(crate) fn error_body(status: StatusCode, message: &str) -> serde_json::Value {
    json!({
        "timestamp": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "status": status.as_u16(),
        "errorType": status.canonical_reason().unwrap_or("Error").to_ascii_lowercase().replace(' ', "_"),
        "message": message,
        "corrId": uuid::Uuid::new_v4().to_string(),
    })
}
