//! Strava API v3: OAuth (credentials in the form body, no PKCE, comma-separated scopes, rotating
//! refresh tokens), REST pull of activities and their streams, notify-only webhooks through one
//! push subscription per application, and transformers.
//!
//! Data types (`FetchedPayload::kind`, `Notification::data_type`, `normalize` kind):
//! - `activity`: a page of `GET /athlete/activities` (a JSON array of SummaryActivity) or one
//!   `GET /activities/{id}` (DetailedActivity) → [`domain::Workout`].
//! - `activity_streams`: `GET /activities/{id}/streams?key_by_type=true` → heart rate, speed,
//!   cadence, power, elevation, latitude and longitude samples. Stream `time` values are seconds
//!   since the activity start, which the streams response does not carry, so the payload is an
//!   envelope `{"activity_id":..,"start_date":"..","utc_offset":..,"streams":<the exact bytes
//!   Strava returned>}` built by [`client`] from the activity it belongs to (the streams bytes are
//!   embedded verbatim, never re-serialized). A stable, low-cardinality `kind` was preferred over
//!   putting the start time into the kind.
//! - `athlete`: `GET /athlete` → one weight sample (kg) stamped at the profile's `updated_at`.
//!
//! Units: Strava already uses seconds, meters and m/s. `kilojoules` (rides with power) is
//! mechanical work, not energy expended: it is never converted into kcal (unlike Open Wearables,
//! which falls back to it); only the detailed activity's `calories` fills `calories_kcal`.
//! `start_date_local` is local wall time with a fake `Z`: times come from `start_date` (UTC) and
//! the zone offset from `utc_offset` (seconds), with `start_date_local - start_date` as fallback.
//! A workout ends at `start + elapsed_time` (Open Wearables wrongly uses `moving_time`). Running
//! cadence is Strava's per-leg value (strides per minute), stored as `cadence` (rpm) unchanged.
//!
//! Choices on points the reference marks UNVERIFIED or leaves open:
//! - Webhook authenticity: Strava documents no signature (Open Wearables' `X-Strava-Signature`
//!   is ignored). Verification fails closed on a secret token in the callback URL's query:
//!   `?token=<secret>`, compared in constant time with every configured
//!   [`crate::WebhookSecrets`] value. The push subscription's `callback_url` must therefore
//!   include it ([`subscriptions::callback_url_with_token`]). Replay of a captured event only
//!   causes an idempotent refetch, and Strava sends no delivery timestamp, so no window applies.
//! - Deauthorization: `athlete` + `update` + `updates.authorized == "false"` (documented); an
//!   `athlete` + `delete` event (what Open Wearables expects) is treated the same way. Other
//!   athlete updates yield no events.
//! - Refresh: the newest refresh token in each answer replaces the old one (the old one stops
//!   working once a new one has been returned); a refresh answer without one keeps the old one.
//! - Disconnect: `POST /oauth/deauthorize` with `access_token` in the form body (documented; not
//!   Open Wearables' `/oauth/revoke`). When no `revoke_url` is configured (emulators), the URL is
//!   the token URL with its last segment replaced by `deauthorize`.
//! - Paging: `after`/`before` epoch seconds (exclusive), `per_page=200` (Strava's maximum), and
//!   pages are read until an empty one, which also works if the server caps `per_page` lower.
//! - Maximum backfill: Strava has no history limit, but every activity costs one streams request
//!   against 100 reads per 15 minutes and 1,000 per day; we declare 90 days (Open Wearables'
//!   historical sync). Rate-limit headers are `X-RateLimit-*`/`X-ReadRateLimit-*` and Strava sends
//!   no `Retry-After`, so the shared sender backs off with jitter.
//! - Manual activities have no streams: none are requested, and a 404 on streams is skipped.

mod api;
mod client;
pub(crate) mod oauth;
pub mod subscriptions;
pub mod transformers;
mod webhook;

use std::fmt;
use std::str::FromStr;

use crate::ProviderEndpoints;

pub use api::Strava;
pub use client::{Athlete, StravaClient};
pub use webhook::{StravaEvent, answer_challenge, verify_webhook};

/// Scopes we request (Strava joins them with commas): public profile, every activity including
/// private ones, and the full profile (for the weight).
pub const SCOPES: &[&str] = &["read", "activity:read_all", "profile:read_all"];

/// Strava's production endpoints.
pub fn default_endpoints() -> Option<ProviderEndpoints> {
    Some(endpoints())
}

pub(crate) fn endpoints() -> ProviderEndpoints {
    ProviderEndpoints {
        authorize_url: crate::static_url("https://www.strava.com/oauth/authorize"),
        token_url: crate::static_url("https://www.strava.com/oauth/token"),
        api_base_url: crate::static_url("https://www.strava.com/api/v3"),
        revoke_url: Some(crate::static_url(
            "https://www.strava.com/oauth/deauthorize",
        )),
    }
}

/// The Strava data types Wearhouse fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StravaDataType {
    Activity,
    ActivityStreams,
    Athlete,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Strava data type `{0}`")]
pub struct UnknownStravaDataType(pub String);

impl StravaDataType {
    pub const ALL: [StravaDataType; 3] = [
        StravaDataType::Activity,
        StravaDataType::ActivityStreams,
        StravaDataType::Athlete,
    ];

    /// The name used as [`crate::FetchedPayload::kind`] and notification data type.
    pub fn as_str(self) -> &'static str {
        match self {
            StravaDataType::Activity => "activity",
            StravaDataType::ActivityStreams => "activity_streams",
            StravaDataType::Athlete => "athlete",
        }
    }
}

impl fmt::Display for StravaDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StravaDataType {
    type Err = UnknownStravaDataType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StravaDataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownStravaDataType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_round_trip() {
        for t in StravaDataType::ALL {
            assert_eq!(t.as_str().parse::<StravaDataType>(), Ok(t));
        }
        assert!("route".parse::<StravaDataType>().is_err());
    }

    #[test]
    fn production_endpoints_are_strava_com() {
        let e = endpoints();
        assert_eq!(
            e.authorize_url.as_str(),
            "https://www.strava.com/oauth/authorize"
        );
        assert_eq!(e.token_url.as_str(), "https://www.strava.com/oauth/token");
        assert_eq!(e.api_base_url.as_str(), "https://www.strava.com/api/v3");
        assert_eq!(
            e.revoke_url.map(|u| u.to_string()).as_deref(),
            Some("https://www.strava.com/oauth/deauthorize")
        );
    }
}
