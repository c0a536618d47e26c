//! Polar AccessLink v3: OAuth with HTTP Basic client authentication and no refresh token (one
//! long-lived access token), mandatory user registration (`POST /v3/users`) at connect, one
//! signed notify-only webhook per client, date-ranged REST pull, and transformers.
//!
//! Choices on points the reference marks UNVERIFIED (providers.md §4):
//! - **Token lifetime / refresh**: Polar issues no refresh token. [`crate::ProviderApi::refresh`]
//!   answers [`crate::ProviderError::RefreshRejected`]; a 401 or an expired `expires_in` means the
//!   user must authorize again.
//! - **Deauthorization webhook**: Polar documents none, so [`crate::InboundEvent::Deauthorized`]
//!   is never produced; a revoked user shows up as 401 on the next fetch.
//! - **Registration member id**: `POST /v3/users {"member-id": "wearhouse-<x_user_id>"}` (the
//!   trait's `connect` does not know our user id; the member id only has to be unique per client).
//!   409 (already registered) counts as success.
//! - **Webhook timestamp window**: Polar signs only the body (lowercase hex HMAC-SHA256 with the
//!   webhook's `signature_secret_key`), and the body carries `timestamp`. We enforce the configured
//!   tolerance on that signed timestamp (replay protection). If Polar turned out to re-send the
//!   original body on retries, widen `webhooks.timestamp_tolerance_secs`.
//! - **PING**: sent before the secret exists, so a body that is exactly `{"event":"PING",
//!   "timestamp":..}` (no other field, fresh timestamp) is accepted unsigned and yields no event.
//! - **Elixir biosensing paths**: the official spec's `/v3/users/biosensing/{bodytemperature,
//!   skintemperature,spo2}` (Open Wearables calls other paths; see providers.md §12.4).
//! - **Device-local clocks**: continuous heart rate, Nightly Recharge samples and nightly skin
//!   temperature carry local clock times without an offset. The fetcher learns the wearer's offset
//!   per date from `GET /v3/users/sleep/available` and appends it to the payload kind
//!   (`continuous_heart_rate@+02:00`); without a suffix the times are taken as UTC with an unknown
//!   offset. See [`PolarKind`].
//! - **Rate limits**: 429 is retried by the shared sender (`Retry-After` when present, else
//!   backoff); the `RateLimit-*` headers are informational only.

mod api;
mod client;
pub(crate) mod oauth;
mod offsets;
pub mod transformers;
mod webhook;
pub mod webhooks;

use std::fmt;
use std::str::FromStr;

use domain::ZoneOffset;

use crate::ProviderEndpoints;

pub use api::Polar;
pub use client::{PolarClient, Registration};
pub use webhook::{EVENT_HEADER, PolarEvent, SIGNATURE_HEADER, sign, verify_webhook};
pub use webhooks::{WebhookClient, WebhookInfo, WebhookRegistration};

/// AccessLink has one scope.
pub const SCOPES: &[&str] = &["accesslink.read_all"];

/// Every webhook event type Polar can send (besides `PING`).
pub const WEBHOOK_EVENTS: &[&str] = &[
    "EXERCISE",
    "SLEEP",
    "CONTINUOUS_HEART_RATE",
    "SLEEP_WISE_CIRCADIAN_BEDTIME",
    "SLEEP_WISE_ALERTNESS",
    "ACTIVITY_SUMMARY",
    "PHYSICAL_INFORMATION",
];

/// Polar's production endpoints (no token revocation endpoint exists).
pub fn default_endpoints() -> Option<ProviderEndpoints> {
    Some(endpoints())
}

pub(crate) fn endpoints() -> ProviderEndpoints {
    ProviderEndpoints {
        authorize_url: crate::static_url("https://flow.polar.com/oauth2/authorization"),
        token_url: crate::static_url("https://polarremote.com/v2/oauth2/token"),
        api_base_url: crate::static_url("https://www.polaraccesslink.com"),
        revoke_url: None,
    }
}

/// The Polar data types Wearhouse ingests; their names are the payload kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolarDataType {
    Exercise,
    Sleep,
    NightlyRecharge,
    Activity,
    ContinuousHeartRate,
    BodyTemperature,
    SkinTemperature,
    Spo2,
    PhysicalInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Polar data type `{0}`")]
pub struct UnknownPolarDataType(pub String);

impl PolarDataType {
    pub const ALL: [PolarDataType; 9] = [
        PolarDataType::Exercise,
        PolarDataType::Sleep,
        PolarDataType::NightlyRecharge,
        PolarDataType::Activity,
        PolarDataType::ContinuousHeartRate,
        PolarDataType::BodyTemperature,
        PolarDataType::SkinTemperature,
        PolarDataType::Spo2,
        PolarDataType::PhysicalInfo,
    ];

    /// The stable name used as [`crate::FetchedPayload::kind`] and notification `data_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolarDataType::Exercise => "exercise",
            PolarDataType::Sleep => "sleep",
            PolarDataType::NightlyRecharge => "nightly_recharge",
            PolarDataType::Activity => "activity",
            PolarDataType::ContinuousHeartRate => "continuous_heart_rate",
            PolarDataType::BodyTemperature => "body_temperature",
            PolarDataType::SkinTemperature => "skin_temperature",
            PolarDataType::Spo2 => "spo2",
            PolarDataType::PhysicalInfo => "physical_info",
        }
    }

    /// Whether the payload's times are device-local clock times with no offset in it.
    pub fn uses_local_clock(self) -> bool {
        matches!(
            self,
            PolarDataType::ContinuousHeartRate
                | PolarDataType::NightlyRecharge
                | PolarDataType::SkinTemperature
        )
    }

    /// The kind names of [`Self::ALL`], for [`crate::Capabilities::data_types`].
    pub(crate) const NAMES: [&'static str; 9] = [
        "exercise",
        "sleep",
        "nightly_recharge",
        "activity",
        "continuous_heart_rate",
        "body_temperature",
        "skin_temperature",
        "spo2",
        "physical_info",
    ];
}

impl fmt::Display for PolarDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PolarDataType {
    type Err = UnknownPolarDataType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PolarDataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownPolarDataType(s.to_owned()))
    }
}

/// A payload kind: the data type, plus for device-local clock types the wearer's UTC offset the
/// fetcher determined (`continuous_heart_rate@+02:00`). A bare name means "offset unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolarKind {
    pub data_type: PolarDataType,
    pub offset: Option<ZoneOffset>,
}

impl PolarKind {
    pub fn new(data_type: PolarDataType, offset: Option<ZoneOffset>) -> Self {
        // Only local-clock types carry an offset, so other kinds stay exactly their name.
        let offset = offset.filter(|_| data_type.uses_local_clock());
        Self { data_type, offset }
    }
}

impl fmt::Display for PolarKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{}@{offset}", self.data_type),
            None => f.write_str(self.data_type.as_str()),
        }
    }
}

impl FromStr for PolarKind {
    type Err = UnknownPolarDataType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownPolarDataType(s.to_owned());
        let (name, offset) = match s.split_once('@') {
            Some((name, offset)) => (name, Some(offset.parse().map_err(|_| unknown())?)),
            None => (s, None),
        };
        let data_type: PolarDataType = name.parse().map_err(|_| unknown())?;
        if offset.is_some() && !data_type.uses_local_clock() {
            return Err(unknown());
        }
        Ok(Self { data_type, offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_round_trip() {
        for (t, name) in PolarDataType::ALL.into_iter().zip(PolarDataType::NAMES) {
            assert_eq!(t.as_str(), name);
            assert_eq!(name.parse::<PolarDataType>(), Ok(t));
        }
        assert!("cardio_load".parse::<PolarDataType>().is_err());
    }

    #[test]
    fn local_clock_kinds_carry_an_offset_suffix_and_others_never_do() {
        let plus_two = ZoneOffset::from_seconds(7200).unwrap();
        let kind = PolarKind::new(PolarDataType::ContinuousHeartRate, Some(plus_two));
        assert_eq!(kind.to_string(), "continuous_heart_rate@+02:00");
        assert_eq!(
            "continuous_heart_rate@+02:00".parse::<PolarKind>(),
            Ok(kind)
        );
        let minus = "nightly_recharge@-05:30".parse::<PolarKind>().unwrap();
        assert_eq!(minus.offset.map(|o| o.seconds()), Some(-19_800));
        let bare = "skin_temperature".parse::<PolarKind>().unwrap();
        assert_eq!(bare.offset, None);
        let exercise = PolarKind::new(PolarDataType::Exercise, Some(plus_two));
        assert_eq!(exercise.to_string(), "exercise");
        assert!("exercise@+02:00".parse::<PolarKind>().is_err());
        assert!("sleep@soon".parse::<PolarKind>().is_err());
        assert!("continuous_heart_rate@+25:00".parse::<PolarKind>().is_err());
    }

    #[test]
    fn production_endpoints_are_polars() {
        let e = endpoints();
        assert_eq!(
            e.authorize_url.as_str(),
            "https://flow.polar.com/oauth2/authorization"
        );
        assert_eq!(
            e.token_url.as_str(),
            "https://polarremote.com/v2/oauth2/token"
        );
        assert_eq!(e.api_base_url.as_str(), "https://www.polaraccesslink.com/");
        assert!(e.revoke_url.is_none());
    }
}
