//! Withings Public Health Data API: a non-standard OAuth token endpoint (`POST /v2/oauth2` with
//! `action=requesttoken`, answers wrapped in `{status, body}`), per-user notification
//! subscriptions (`/notify`), unsigned form-encoded notifications that carry a time range, REST
//! pull (`getmeas`, `getactivity`, `getintradayactivity`, `getworkouts`, sleep `getsummary` +
//! `get`), and transformers.
//!
//! Every Withings answer is HTTP 200 with `{"status": <int>, "body": {..}, "error": ".."}`;
//! `status != 0` is an error ([`status_error`] maps the codes). HTTP 401/429/5xx from an edge
//! proxy are handled by the shared sender as for every provider.
//!
//! Choices on points the reference marks UNVERIFIED (providers.md §8):
//! - **Client authentication**: `client_id` + `client_secret` in the form body (the documented
//!   alternative, `signature` + `nonce`, is only used where a secret is not accepted: `revoke`).
//!   No PKCE (Withings documents none). Scopes are comma-separated in the authorize URL.
//! - **Refresh rotation**: each refresh returns a new refresh token, which we always store; the
//!   previous one stays valid 8 h or until the new access token is used, so re-trying a refresh
//!   whose answer was lost is safe. `status != 0` from a refresh or code grant (Withings answers
//!   `503 "Invalid Params: invalid refresh_token"`) is [`ProviderError::RefreshRejected`].
//! - **Notification authentication**: Withings signs nothing (IP allow-list only). We fail closed
//!   by requiring `?token=` in the callback URL: it must equal, in constant time,
//!   one of [`crate::WebhookSecrets::secrets`] *or* the token derived from one of them with
//!   [`notify_token`] (hex HMAC-SHA256(secret, `"wearhouse:withings:notify"`)). `connect()` only
//!   knows the client secret, so the subscriptions it creates carry `notify_token(client
//!   secret)`, which the default secrets (client secret + previous client secrets) verify; a
//!   deployment that subscribes by itself may instead put a raw `webhook_verification_token` in
//!   the URL and in `webhook_secrets`. No timestamp window: notifications carry none.
//! - **Callback URL**: `connect()` subscribes `{origin}{prefix}/providers/withings/webhooks`,
//!   derived from the OAuth redirect URL `{origin}{prefix}/oauth/withings/callback` (the
//!   services' routes), to applis 1, 4, 16, 44 and 46. A failed subscription is logged and does
//!   not fail the connection (pulling still works); [`Withings::subscribe`] retries it.
//! - **Notification events**: a notification names a time range, never a record, so every
//!   data notification is an `Update` whose `object_id` is `"{startdate}..{enddate}"` (or the
//!   `date`), and [`crate::ProviderApi::fetch_notified`] re-fetches that range for the
//!   category's data types (appli 1/4 → `measures`; 16 → `activity`, `workouts`,
//!   `intraday_activity`; 44 → `sleep`; other categories → nothing). The callback check
//!   Withings makes when subscribing is answered `200 {}` by `answer_challenge`.
//! - **Deauthorization**: appli 46 with `action=unlink` or `action=delete` is
//!   [`crate::InboundEvent::Deauthorized`].
//! - **Disconnect**: `disconnect()` revokes our notification subscriptions (Bearer). Revoking the
//!   grant itself (`action=revoke`) needs the user id and a signed nonce:
//!   [`Withings::revoke_user`]; [`Withings::deregister`] does both.
//! - **Request limits**: `getintradayactivity` is called per 24 h and sleep `get` per 7 days;
//!   `getmeas` asks `category=1` (no objectives) and every `meastype`. Backfill is capped at 90
//!   days (none is documented; intraday costs a call per day).
//! - **Rate limits**: body status 601 is [`ProviderError::RateLimited`] without `Retry-After`
//!   (retried by the caller); an HTTP 429 is retried by the shared sender.
//! - **Time zones**: payloads carry IANA names; offsets come from a built-in table of common
//!   zones with their DST rules (`transformers::zones`). An unknown zone keeps the UTC instant
//!   and leaves `zone_offset` empty. Intraday activity has no zone at all.
//! - **Sleep**: one `sleep` payload is a JSON object embedding, byte for byte, a `getsummary`
//!   page (`"summary"`) and the sleep `get` answers covering its nights (`"details"`, at most
//!   7 days each), so that one payload normalizes into whole sessions with stage intervals. A
//!   bare `getsummary` answer is accepted too (totals only). `sleep_efficiency` may be a ratio
//!   (0–1) or a percentage. Withings flags no naps: a session under 3 h is a nap.
//!   Sleep `state`: 0 awake, 1 light, 2 deep, 3 REM, 4 (manual entry) sleeping, 15 (out of
//!   bed) awake, anything else unknown. Heart-rate variability keeps `sdnn_1` (SDNN) and
//!   `rmssd` (RMSSD) apart; a session's `avg_hrv_rmssd_ms` is the mean of its `rmssd` points.
//! - **Measures**: fat-free mass (5) is `lean_body_mass`, fat mass (8) `body_fat_mass`, muscle
//!   mass (76) `skeletal_muscle_mass` (the closest Open Wearables series), heart pulse (11)
//!   `heart_rate`, temperature (12, 71) `body_temperature`, height (4) is stored in cm.
//!   `meastype` 77 (hydration, kg of body water), 88 (bone mass) and 91 (pulse wave velocity)
//!   have no Open Wearables series and are skipped; objectives (`category=2`) too.

mod api;
mod client;
pub(crate) mod notify;
pub(crate) mod oauth;
pub mod transformers;
mod webhook;

use std::fmt;
use std::str::FromStr;

use crate::ProviderEndpoints;

pub use api::Withings;
pub use client::{WithingsClient, status_error};
pub use notify::{NOTIFY_APPLIS, Subscription, callback_url, notify_token};
pub use oauth::{WithingsTokenClient, nonce_signature};
pub use webhook::{WithingsNotification, parse_notification, verify_webhook};

/// Scopes we request (comma-separated on the wire).
pub const SCOPES: &[&str] = &[
    "user.info",
    "user.metrics",
    "user.activity",
    "user.sleepevents",
];

/// Withings' production endpoints. Token, refresh and revoke all use `/v2/oauth2`.
pub fn default_endpoints() -> Option<ProviderEndpoints> {
    Some(endpoints())
}

pub(crate) fn endpoints() -> ProviderEndpoints {
    ProviderEndpoints {
        authorize_url: crate::static_url("https://account.withings.com/oauth2_user/authorize2"),
        token_url: crate::static_url("https://wbsapi.withings.net/v2/oauth2"),
        api_base_url: crate::static_url("https://wbsapi.withings.net"),
        revoke_url: Some(crate::static_url("https://wbsapi.withings.net/v2/oauth2")),
    }
}

/// The Withings data types Wearhouse ingests; their names are the payload kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WithingsDataType {
    /// `getmeas`: body composition, blood pressure, heart pulse, SpO2, temperatures.
    Measures,
    /// `getactivity`: daily totals.
    Activity,
    /// `getintradayactivity`: steps, heart rate, calories, distance, SpO2 through the day.
    IntradayActivity,
    /// `getworkouts`.
    Workouts,
    /// Sleep `getsummary` plus the sleep `get` stage segments of the same nights.
    Sleep,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Withings data type `{0}`")]
pub struct UnknownWithingsDataType(pub String);

impl WithingsDataType {
    pub const ALL: [WithingsDataType; 5] = [
        WithingsDataType::Measures,
        WithingsDataType::Activity,
        WithingsDataType::IntradayActivity,
        WithingsDataType::Workouts,
        WithingsDataType::Sleep,
    ];

    pub const NAMES: [&'static str; 5] = [
        "measures",
        "activity",
        "intraday_activity",
        "workouts",
        "sleep",
    ];

    /// The payload kind ([`crate::FetchedPayload::kind`]).
    pub fn as_str(self) -> &'static str {
        match self {
            WithingsDataType::Measures => "measures",
            WithingsDataType::Activity => "activity",
            WithingsDataType::IntradayActivity => "intraday_activity",
            WithingsDataType::Workouts => "workouts",
            WithingsDataType::Sleep => "sleep",
        }
    }

    /// What a notification of category `appli` asks us to fetch (empty: nothing we ingest).
    pub fn for_appli(appli: i64) -> &'static [WithingsDataType] {
        match appli {
            1 | 4 => &[WithingsDataType::Measures],
            16 => &[
                WithingsDataType::Activity,
                WithingsDataType::Workouts,
                WithingsDataType::IntradayActivity,
            ],
            44 => &[WithingsDataType::Sleep],
            _ => &[],
        }
    }
}

impl fmt::Display for WithingsDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WithingsDataType {
    type Err = UnknownWithingsDataType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WithingsDataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownWithingsDataType(s.to_owned()))
    }
}

/// The notification category names used as [`crate::Notification::data_type`].
pub fn appli_name(appli: i64) -> String {
    match appli {
        1 => "measures".to_owned(),
        4 => "measures".to_owned(),
        16 => "activity".to_owned(),
        44 => "sleep".to_owned(),
        46 => "user".to_owned(),
        50 => "bed_in".to_owned(),
        51 => "bed_out".to_owned(),
        53 => "no_account".to_owned(),
        54 => "ecg".to_owned(),
        58 => "glucose".to_owned(),
        other => format!("appli_{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_round_trip() {
        for (t, name) in WithingsDataType::ALL.iter().zip(WithingsDataType::NAMES) {
            assert_eq!(t.as_str(), name);
            assert_eq!(name.parse::<WithingsDataType>(), Ok(*t));
        }
        assert!("sleep_summary".parse::<WithingsDataType>().is_err());
    }

    #[test]
    fn notification_categories_map_to_what_we_fetch() {
        assert_eq!(
            WithingsDataType::for_appli(1),
            &[WithingsDataType::Measures]
        );
        assert_eq!(
            WithingsDataType::for_appli(4),
            &[WithingsDataType::Measures]
        );
        assert_eq!(WithingsDataType::for_appli(16).len(), 3);
        assert_eq!(WithingsDataType::for_appli(44), &[WithingsDataType::Sleep]);
        assert!(WithingsDataType::for_appli(46).is_empty());
        assert!(WithingsDataType::for_appli(50).is_empty());
        assert_eq!(appli_name(16), "activity");
        assert_eq!(appli_name(99), "appli_99");
    }
}
