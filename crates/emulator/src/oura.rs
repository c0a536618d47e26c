//! Oura API v2 emulator: OAuth, REST usercollection, webhook subscriptions and signed deliveries.
//!
//! Routes are mounted under `/oura`; the control API under `/_emulator/oura`.

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use chrono::{FixedOffset, NaiveDate, Offset as _, Utc};

mod activity;
mod api;
mod control;
mod data;
mod delivery;
mod oauth;
mod sleep;
mod state;
mod subscriptions;
mod time;

pub use delivery::sign;

use state::State;

/// Configuration of the Oura emulator.
#[derive(Debug, Clone)]
pub struct OuraConfig {
    pub client_id: String,
    pub client_secret: String,
    pub access_token_ttl_secs: i64,
    /// Days of generated history per user, ending today.
    pub history_days: u32,
    /// Local UTC offset of generated data.
    pub zone_offset_secs: i32,
    /// Documents per page; heart-rate pages hold 100 times as many samples.
    pub page_size: usize,
    /// Delay before webhook retry `n` is `n * webhook_retry_base_ms`.
    pub webhook_retry_base_ms: u64,
}

impl Default for OuraConfig {
    fn default() -> Self {
        Self {
            client_id: "wearhouse-local".to_owned(),
            client_secret: "wearhouse-local-secret".to_owned(),
            access_token_ttl_secs: 86_400,
            history_days: 35,
            zone_offset_secs: 3600,
            page_size: 10,
            webhook_retry_base_ms: 500,
        }
    }
}

/// Shared state of the Oura emulator (one per [`crate::Emulator`]).
pub(crate) struct Oura {
    pub(crate) config: OuraConfig,
    pub(crate) seed: u64,
    pub(crate) tz: FixedOffset,
    pub(crate) http: reqwest::Client,
    state: Mutex<State>,
}

impl Oura {
    pub(crate) fn new(config: OuraConfig, seed: u64, http: reqwest::Client) -> Self {
        let tz = FixedOffset::east_opt(config.zone_offset_secs).unwrap_or_else(|| {
            tracing::warn!(
                offset = config.zone_offset_secs,
                "invalid zone offset, using UTC"
            );
            Utc.fix()
        });
        let page_size = config.page_size.max(1);
        Self {
            config: OuraConfig {
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

    /// Creates the next emulated user (generated history ending today); returns its index.
    pub(crate) fn create_user(&self, st: &mut State) -> usize {
        let number = st.users.len() as u64 + 1;
        let created_day = Utc::now().date_naive();
        let user = data::generate_user(self.seed, number, created_day, &self.config, self.tz);
        tracing::info!(user_id = %user.id, number, "created emulated Oura user");
        st.users.push(user);
        st.users.len() - 1
    }

    /// Today in the local zone of the generated data.
    pub(crate) fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.tz).date_naive()
    }
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/oura")
            .configure(oauth::configure)
            .configure(api::configure)
            .configure(subscriptions::configure),
    )
    .service(web::scope("/_emulator/oura").configure(control::configure));
}

/// RFC 7807-ish error body used by the Oura REST and subscription APIs.
pub(crate) fn problem(status: StatusCode, detail: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "status": status.as_u16(),
        "title": status.canonical_reason().unwrap_or("Error"),
        "detail": detail.into(),
    }))
}

/// Default service of multi-method resources: a JSON 405.
pub(crate) async fn method_not_allowed() -> HttpResponse {
    problem(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

/// An error rendered as [`problem`], so handlers can use `?`.
#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    detail: String,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        problem(self.status, self.detail.clone())
    }
}
