//! WHOOP API v2: OAuth (Ory Hydra style: credentials in the form body, no PKCE, `offline` scope
//! for a refresh token, rotating refresh tokens), REST pull with `nextToken` pages, notify-only
//! signed webhooks, and transformers.
//!
//! Data types (`FetchedPayload::kind`, webhook data type, `normalize` kind): `cycle` (daily
//! strain/energy → [`domain::DailyActivity`]), `sleep` (→ [`domain::SleepSession`], stage totals
//! only: WHOOP publishes no stage intervals), `recovery` (→ resting HR, HRV RMSSD, SpO2, skin
//! temperature samples), `workout` (→ [`domain::Workout`]) and `body_measurement` (height and
//! weight). WHOOP's body measurement carries no time and a pure transformer reads no clock, so
//! `normalize("body_measurement", ..)` yields an empty batch; its samples come from
//! [`transformers::body_measurement_samples`] given the time the payload was fetched.
//!
//! Webhooks exist for sleep, workout and recovery only (`*.updated`, `*.deleted`). A sleep
//! notification fetches the sleep and the cycles around it (a new sleep closes one cycle and
//! opens the next; cycles have no webhook). Rate limits: WHOOP documents `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds); the shared sender honours a
//! `Retry-After` when present and otherwise backs off with jitter.
//!
//! Choices on points the reference marks UNVERIFIED:
//! - The id of a `recovery.*` webhook is the cycle id (WHOOP's v1 page, Open Wearables) or the
//!   sleep UUID (several v2 sources). Both are accepted: an integer id is fetched as
//!   `GET /v2/cycle/{id}/recovery`, a UUID through the sleep's `cycle_id` (never OW's
//!   `/v2/recovery/{id}`, which is not in the API reference).
//! - Refresh sends `scope=offline` as WHOOP's refresh tutorial does, with the credentials in the
//!   body (our own small token request: the generic client sends no scope on refresh). When a
//!   refresh answer has no refresh token, the returned `TokenSet` has none: keep the old one.
//! - The webhook timestamp is epoch milliseconds; deliveries further than the configured
//!   tolerance from `now` are rejected (Open Wearables uses ±300 s).
//! - Disconnect is `DELETE /v2/user/access` with the user's Bearer token (WHOOP's documented
//!   revocation); [`crate::ProviderEndpoints::revoke_url`] is therefore `None`.
//! - There is no deauthorization webhook and no subscription API (the webhook URL is set in the
//!   WHOOP developer dashboard).
//! - A cycle's local date (the `DailyActivity` day) is the date of `start + 12 h` in the cycle's
//!   own offset: a cycle starts when the member falls asleep, usually the evening before the day
//!   it represents.
//! - A recovery has no time of its own: its samples are stamped `created_at` (when WHOOP scored
//!   it, shortly after wake-up), without an offset (recoveries carry none). A re-score keeps
//!   `created_at`, so it overwrites the same samples.
//! - Maximum backfill: WHOOP documents no history limit; we declare 365 days.

mod api;
mod client;
pub(crate) mod oauth;
pub mod transformers;
mod webhook;

use std::fmt;
use std::str::FromStr;

use crate::ProviderEndpoints;

pub use api::Whoop;
pub use client::{BasicProfile, WhoopClient};
pub use webhook::{WhoopNotification, sign, verify_webhook};

/// Scopes we request; `offline` is what makes WHOOP return a refresh token.
pub const SCOPES: &[&str] = &[
    "offline",
    "read:profile",
    "read:body_measurement",
    "read:cycles",
    "read:recovery",
    "read:sleep",
    "read:workout",
];

/// WHOOP's production endpoints.
pub fn default_endpoints() -> Option<ProviderEndpoints> {
    Some(endpoints())
}

pub(crate) fn endpoints() -> ProviderEndpoints {
    ProviderEndpoints {
        authorize_url: crate::static_url("https://api.prod.whoop.com/oauth/oauth2/auth"),
        token_url: crate::static_url("https://api.prod.whoop.com/oauth/oauth2/token"),
        api_base_url: crate::static_url("https://api.prod.whoop.com/developer"),
        revoke_url: None,
    }
}

/// The WHOOP data types Wearhouse fetches, by stable names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WhoopDataType {
    Cycle,
    Sleep,
    Recovery,
    Workout,
    BodyMeasurement,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported WHOOP data type `{0}`")]
pub struct UnknownWhoopDataType(pub String);

impl WhoopDataType {
    pub const ALL: [WhoopDataType; 5] = [
        WhoopDataType::Cycle,
        WhoopDataType::Sleep,
        WhoopDataType::Recovery,
        WhoopDataType::Workout,
        WhoopDataType::BodyMeasurement,
    ];

    /// The name used in [`crate::FetchedPayload::kind`], webhook events (`sleep.updated` →
    /// `sleep`) and `normalize`.
    pub fn as_str(self) -> &'static str {
        match self {
            WhoopDataType::Cycle => "cycle",
            WhoopDataType::Sleep => "sleep",
            WhoopDataType::Recovery => "recovery",
            WhoopDataType::Workout => "workout",
            WhoopDataType::BodyMeasurement => "body_measurement",
        }
    }

    /// The REST path under the API base (collections; body measurement is a single document).
    pub(crate) fn path(self) -> &'static [&'static str] {
        match self {
            WhoopDataType::Cycle => &["v2", "cycle"],
            WhoopDataType::Sleep => &["v2", "activity", "sleep"],
            WhoopDataType::Recovery => &["v2", "recovery"],
            WhoopDataType::Workout => &["v2", "activity", "workout"],
            WhoopDataType::BodyMeasurement => &["v2", "user", "measurement", "body"],
        }
    }

    /// Paged collections; body measurement is one document without a time range.
    pub fn is_collection(self) -> bool {
        !matches!(self, WhoopDataType::BodyMeasurement)
    }
}

impl fmt::Display for WhoopDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WhoopDataType {
    type Err = UnknownWhoopDataType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WhoopDataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownWhoopDataType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_round_trip() {
        for t in WhoopDataType::ALL {
            assert_eq!(t.as_str().parse::<WhoopDataType>(), Ok(t));
        }
        assert!("heartrate".parse::<WhoopDataType>().is_err());
    }

    #[test]
    fn production_endpoints_are_whoops() {
        let e = endpoints();
        assert_eq!(
            e.authorize_url.as_str(),
            "https://api.prod.whoop.com/oauth/oauth2/auth"
        );
        assert_eq!(
            e.token_url.as_str(),
            "https://api.prod.whoop.com/oauth/oauth2/token"
        );
        assert_eq!(
            e.api_base_url.as_str(),
            "https://api.prod.whoop.com/developer"
        );
        assert!(e.revoke_url.is_none());
        assert!(SCOPES.contains(&"offline"));
    }

    #[test]
    fn whoop_is_registered_in_the_dispatch() {
        use domain::Provider;
        assert!(crate::supported().contains(&Provider::Whoop));
        assert_eq!(crate::default_endpoints(Provider::Whoop), Some(endpoints()));
        assert!(crate::default_scopes(Provider::Whoop).contains(&"read:recovery"));
        let caps = crate::capabilities(Provider::Whoop).unwrap();
        assert_eq!(caps.delivery, crate::api::Delivery::Notify);
        for kind in caps.data_types {
            assert!(kind.parse::<WhoopDataType>().is_ok(), "{kind}");
            let empty = crate::normalize(Provider::Whoop, kind, br#"{"records":[]}"#);
            assert!(empty.unwrap().is_empty(), "{kind}");
        }
        let batch = crate::normalize(Provider::Whoop, crate::DELETION_KIND, br#"["x"]"#);
        assert_eq!(batch.unwrap().deleted_external_ids, vec!["x"]);
    }
}
