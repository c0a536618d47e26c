//! WHOOP API v2 emulator: OAuth (Ory Hydra paths), the developer REST API, and signed,
//! retried webhook deliveries.
//!
//! Routes mirror the real hosts' path shapes under `/whoop`:
//! - OAuth: `/whoop/oauth/oauth2/auth` and `/whoop/oauth/oauth2/token` (WHOOP's own paths under
//!   `https://api.prod.whoop.com`), also reachable as `/whoop/oauth/authorize` and
//!   `/whoop/oauth/token`.
//! - REST: `/whoop/developer/v2/...`; the API base URL is `{base}/whoop/developer`.
//! - Control API (not WHOOP's): `/_emulator/whoop/...`; the webhook URL, set in WHOOP's
//!   developer dashboard in real life, is set with `POST /_emulator/whoop/webhook-target`.
//!
//! UNVERIFIED behaviour is configurable in [`WhoopConfig`]: the id carried by `recovery.*`
//! webhooks, the webhook retry schedule, whether 429s carry `Retry-After` next to WHOOP's
//! documented `X-RateLimit-*` headers, and the minimum `state` length (Hydra's 8).

mod api;
mod control;
mod data;
mod delivery;
mod oauth;
mod records;
mod state;
mod workouts;

use std::sync::{Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, Offset as _, Utc};

pub use delivery::sign;

use state::State;

/// What the `id` of a `recovery.updated`/`recovery.deleted` webhook is (UNVERIFIED for v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryWebhookId {
    /// The UUID of the sleep the recovery follows (v2 model, UUID ids).
    SleepId,
    /// The integer id of the recovery's cycle (WHOOP's v1 documentation).
    CycleId,
}

/// Settings of the WHOOP emulator.
#[derive(Debug, Clone)]
pub struct WhoopConfig {
    pub client_id: String,
    pub client_secret: String,
    /// WHOOP access tokens last an hour.
    pub access_token_ttl_secs: i64,
    /// Nights of generated history per member, ending today.
    pub history_days: u32,
    /// Local UTC offset of generated data (`timezone_offset`).
    pub zone_offset_secs: i32,
    /// Collection page size without `limit`.
    pub default_page_size: usize,
    /// Largest accepted `limit`; larger ones are a 400.
    pub max_page_size: usize,
    /// Shortest accepted `state` (Hydra rejects shorter ones with `invalid_state`).
    pub min_state_len: usize,
    /// Also accept client credentials in HTTP Basic (WHOOP's documented way is the form body).
    pub accept_basic_auth: bool,
    pub recovery_webhook_id: RecoveryWebhookId,
    /// Retries after a failed first delivery; retry `n` waits `base * 2^(n-1)`.
    pub webhook_retries: u32,
    pub webhook_retry_base_ms: u64,
    /// Whether an (injected) 429 carries `Retry-After` besides the `X-RateLimit-*` headers.
    pub send_retry_after: bool,
    /// Answer 429 once more than `rate_limit_per_minute` API requests arrive in a minute.
    pub enforce_rate_limit: bool,
    /// The per-minute limit counted in `X-RateLimit-Remaining` (WHOOP's default is 100).
    pub rate_limit_per_minute: u32,
}

impl Default for WhoopConfig {
    fn default() -> Self {
        Self {
            client_id: "wearhouse-local".to_owned(),
            client_secret: "wearhouse-local-secret".to_owned(),
            access_token_ttl_secs: 3600,
            history_days: 35,
            zone_offset_secs: -4 * 3600,
            default_page_size: 10,
            max_page_size: 25,
            min_state_len: 8,
            accept_basic_auth: false,
            recovery_webhook_id: RecoveryWebhookId::SleepId,
            webhook_retries: 5,
            webhook_retry_base_ms: 500,
            send_retry_after: true,
            enforce_rate_limit: false,
            rate_limit_per_minute: 100,
        }
    }
}

/// Shared state of the WHOOP emulator (one per [`crate::Emulator`]).
pub struct Whoop {
    pub(crate) config: WhoopConfig,
    pub(crate) seed: u64,
    pub(crate) tz: FixedOffset,
    pub(crate) http: reqwest::Client,
    state: Mutex<State>,
}

impl Whoop {
    pub fn new(config: WhoopConfig, seed: u64, http: reqwest::Client) -> Self {
        let tz = FixedOffset::east_opt(config.zone_offset_secs).unwrap_or_else(|| {
            tracing::warn!(
                offset = config.zone_offset_secs,
                "invalid zone offset, using UTC"
            );
            Utc.fix()
        });
        let default_page_size = config.default_page_size.max(1);
        let max_page_size = config.max_page_size.max(default_page_size);
        Self {
            config: WhoopConfig {
                default_page_size,
                max_page_size,
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

    /// Creates the next emulated member (generated history ending now); returns its index.
    pub(crate) fn create_user(&self, st: &mut State, now: DateTime<Utc>) -> usize {
        let number = st.users.len() as u64 + 1;
        let user = data::generate_user(self.seed, number, now, &self.config, self.tz);
        tracing::info!(
            user_id = user.profile.user_id,
            number,
            "created emulated WHOOP user"
        );
        st.users.push(user);
        st.users.len() - 1
    }
}

/// Registers the WHOOP routes (expects `web::Data<Whoop>` in app data).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/whoop")
            .configure(oauth::configure)
            .service(web::scope("/developer").configure(api::configure)),
    )
    .service(web::scope("/_emulator/whoop").configure(control::configure));
}

/// WHOOP-style JSON error body (`{"error": .., "message": ..}`; the exact shape is UNVERIFIED).
pub(crate) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "error": code,
        "message": message.into(),
    }))
}
