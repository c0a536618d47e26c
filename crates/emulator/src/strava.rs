//! Strava API v3 emulator: OAuth, the athlete and activity REST API with streams, rate-limit
//! headers, the push subscription API and retried webhook deliveries.
//!
//! Routes mirror Strava's path shapes under `/strava`:
//! - OAuth: `/strava/oauth/authorize`, `/strava/oauth/token` (also `/strava/api/v3/oauth/token`)
//!   and `/strava/oauth/deauthorize`, as on `https://www.strava.com`.
//! - REST: `/strava/api/v3/...`; the API base URL is `{base}/strava/api/v3`.
//! - Push subscriptions: `/strava/api/v3/push_subscriptions` (one per application; the callback
//!   is validated with `hub.mode`/`hub.challenge`/`hub.verify_token` before it is created).
//! - Control API (not Strava's): `/_emulator/strava/...`.
//!
//! Strava signs no webhook; deliveries are plain JSON POSTs to the subscription's callback URL
//! (including its query, where Wearhouse puts its secret token), `webhook_attempts` attempts in
//! all. UNVERIFIED behaviour is configurable in [`StravaConfig`]: whether a refresh before the
//! access token's last hour returns the same tokens, the retry schedule, `Retry-After` on 429s,
//! whether an app-initiated deauthorization also sends the athlete deauthorization event, and
//! Open Wearables' undocumented `X-Strava-Signature` header (off by default).

mod api;
mod control;
mod data;
mod delivery;
mod json;
mod oauth;
mod ratelimit;
mod sport;
mod state;
mod streams;
mod subscriptions;
mod summary;

use std::sync::{Mutex, MutexGuard};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{FixedOffset, NaiveDate, Offset as _, Utc};
use serde_json::json;

pub use delivery::sign;

use state::State;

/// Settings of the Strava emulator.
#[derive(Debug, Clone)]
pub struct StravaConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Strava access tokens last six hours.
    pub access_token_ttl_secs: i64,
    /// A refresh while the access token still has more than an hour left returns the same
    /// access and refresh tokens (else new ones; the old refresh token stops working).
    pub refresh_reuses_fresh_token: bool,
    /// Days of generated history per athlete, ending today.
    pub history_days: u32,
    /// Local UTC offset of generated activities (`utc_offset`).
    pub zone_offset_secs: i32,
    /// `per_page` when none is given (Strava: 30).
    pub default_per_page: usize,
    /// Largest honoured `per_page` (Strava: 200); larger values are capped silently.
    pub max_per_page: usize,
    /// Overall limits per 15 minutes and per day (Strava default: 200 and 2,000).
    pub rate_limit_15min: u32,
    pub rate_limit_daily: u32,
    /// Read (non-upload) limits per 15 minutes and per day (Strava default: 100 and 1,000).
    pub read_rate_limit_15min: u32,
    pub read_rate_limit_daily: u32,
    /// Whether 429s also carry `Retry-After` (Strava documents none).
    pub send_retry_after: bool,
    /// Delivery attempts per event (Strava: up to three in all).
    pub webhook_attempts: u32,
    /// Retry `n` waits `n * webhook_retry_base_ms`.
    pub webhook_retry_base_ms: u64,
    /// How long a callback may take to answer (Strava: two seconds).
    pub webhook_timeout_ms: u64,
    /// Whether `POST /oauth/deauthorize` also sends the `authorized: false` athlete event.
    pub notify_app_deauthorization: bool,
    /// Add the `X-Strava-Signature: t=..,v1=..` header Open Wearables expects (UNVERIFIED: Strava
    /// documents no signature), HMAC-SHA256 of `"{t}.{body}"` with the client secret.
    pub send_signature_header: bool,
}

impl Default for StravaConfig {
    fn default() -> Self {
        Self {
            client_id: "wearhouse-local".to_owned(),
            client_secret: "wearhouse-local-secret".to_owned(),
            access_token_ttl_secs: 21_600,
            refresh_reuses_fresh_token: true,
            history_days: 35,
            zone_offset_secs: 3600,
            default_per_page: 30,
            max_per_page: 200,
            rate_limit_15min: 200,
            rate_limit_daily: 2_000,
            read_rate_limit_15min: 100,
            read_rate_limit_daily: 1_000,
            send_retry_after: false,
            webhook_attempts: 3,
            webhook_retry_base_ms: 1_000,
            webhook_timeout_ms: 2_000,
            notify_app_deauthorization: true,
            send_signature_header: false,
        }
    }
}

/// Shared state of the Strava emulator (one per [`crate::Emulator`]).
pub struct Strava {
    pub(crate) config: StravaConfig,
    pub(crate) seed: u64,
    pub(crate) tz: FixedOffset,
    pub(crate) http: reqwest::Client,
    state: Mutex<State>,
}

impl Strava {
    pub fn new(config: StravaConfig, seed: u64, http: reqwest::Client) -> Self {
        let tz = FixedOffset::east_opt(config.zone_offset_secs).unwrap_or_else(|| {
            tracing::warn!(
                offset = config.zone_offset_secs,
                "invalid zone offset, using UTC"
            );
            Utc.fix()
        });
        let max_per_page = config.max_per_page.max(1);
        let config = StravaConfig {
            max_per_page,
            default_per_page: config.default_per_page.clamp(1, max_per_page),
            webhook_attempts: config.webhook_attempts.max(1),
            ..config
        };
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

    /// Creates the next emulated athlete (generated history ending today); returns its index.
    pub(crate) fn create_user(&self, st: &mut State) -> usize {
        let number = st.users.len() as u64 + 1;
        let user = data::generate_user(self.seed, number, self.today(), &self.config, self.tz);
        tracing::info!(
            athlete_id = user.athlete.id,
            number,
            "created emulated Strava athlete"
        );
        st.users.push(user);
        st.users.len() - 1
    }

    /// Today in the local zone of the generated data.
    pub(crate) fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.tz).date_naive()
    }
}

/// Registers the Strava routes (expects `web::Data<Strava>` in app data).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/strava").configure(oauth::configure).service(
            web::scope("/api/v3")
                .configure(oauth::configure_api_alias)
                .configure(subscriptions::configure)
                .configure(api::configure),
        ),
    )
    .service(web::scope("/_emulator/strava").configure(control::configure));
}

/// One entry of a Strava error body.
pub(crate) struct Fault<'a> {
    pub(crate) resource: &'a str,
    pub(crate) field: &'a str,
    pub(crate) code: &'a str,
}

/// Strava's error body: `{"message":"Bad Request","errors":[{"resource","field","code"}]}`.
pub(crate) fn strava_error(
    status: StatusCode,
    message: &str,
    errors: &[Fault<'_>],
) -> HttpResponse {
    let errors: Vec<_> = errors
        .iter()
        .map(|e| json!({"resource": e.resource, "field": e.field, "code": e.code}))
        .collect();
    HttpResponse::build(status).json(json!({ "message": message, "errors": errors }))
}

/// `400 Bad Request` with one error.
pub(crate) fn bad_request(resource: &str, field: &str, code: &str) -> HttpResponse {
    strava_error(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        &[Fault {
            resource,
            field,
            code,
        }],
    )
}

/// `401 Authorization Error` with one error.
pub(crate) fn unauthorized(resource: &str, field: &str, code: &str) -> HttpResponse {
    strava_error(
        StatusCode::UNAUTHORIZED,
        "Authorization Error",
        &[Fault {
            resource,
            field,
            code,
        }],
    )
}

/// `404 Record Not Found`.
pub(crate) fn not_found(resource: &str) -> HttpResponse {
    strava_error(
        StatusCode::NOT_FOUND,
        "Record Not Found",
        &[Fault {
            resource,
            field: "id",
            code: "invalid",
        }],
    )
}
