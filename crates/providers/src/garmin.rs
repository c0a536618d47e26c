//! Garmin Connect Developer Program: Health API + Activity API.
//!
//! - **OAuth 2.0 + PKCE (S256)**, client credentials in the form body, no scopes in the authorize
//!   URL (permissions are configured per app in the portal and toggled by the user on the consent
//!   screen). Every token response carries a new refresh token (~90 days); always store the newest.
//!   The account is `GET /wellness-api/rest/user/id`; its permissions (`ACTIVITY_EXPORT`,
//!   `HEALTH_EXPORT`, `HISTORICAL_DATA_EXPORT`, …) become the connection's scope. Disconnecting
//!   is `DELETE /wellness-api/rest/user/registration`.
//! - **Delivery is PUSH** (full records in the webhook, several users mixed in one body: one
//!   [`InboundEvent::Data`](crate::InboundEvent::Data) per item with the item's exact bytes) or
//!   **PING** (items carry a `callbackURL`: a [`Notification`](crate::Notification) whose `url`
//!   [`fetch_notified`](crate::ProviderApi::fetch_notified) downloads). `deregistrations` become
//!   `Deauthorized`, `userPermissionsChange` becomes `PermissionsChanged`.
//! - **Webhooks are not signed by Garmin.** [`verify_webhook`](webhook::verify_webhook) fails
//!   closed by requiring both the `garmin-client-id` header equal to our client id *and* a secret
//!   `token` in the webhook URL's query string, each compared in constant time. Each entry of
//!   [`WebhookSecrets::secrets`](crate::WebhookSecrets) is `"<client id>:<url token>"` (see
//!   [`webhook_secret`]); the URL registered in Garmin's endpoint configuration tool must be
//!   `https://<host>/api/v1/providers/garmin/webhooks?token=<url token>`.
//! - **Pull** (`fetch_window`): the summary endpoints `GET /wellness-api/rest/{type}` filter by
//!   *upload* time with at most 24 hours per request, so a window is fetched in 24-hour chunks, one
//!   payload per non-empty chunk. Garmin's terms only allow these calls as prompted by a ping (or for
//!   an explicit resync); historical data comes through the **backfill** API instead:
//!   [`request_backfill`] asks Garmin to re-send a window (202, asynchronous: the data arrives later
//!   as pushes), in chunks of at most 30 days, needs the user's `HISTORICAL_DATA_EXPORT` permission
//!   (403 otherwise) and treats 409 (already requested) as done.
//!
//! Decisions on points the references leave UNVERIFIED:
//! - Token endpoint `https://diauth.garmin.com/di-oauth2-service/oauth/token`; user endpoints under
//!   `/wellness-api/rest/user/*` (Open Wearables uses `/partner-gateway/rest/user/*`; the emulator
//!   serves both). `user/permissions` may answer a bare array or `{"permissions": [..]}`: both read.
//! - Backfill chunk: 30 days (the Activity API maximum; the Health API allows 90) for every type.
//! - PING notifications are `EventType::Update` (Garmin re-sends updated summaries with the same
//!   `summaryId`); `object_id` is the item's `summaryId`, else `userId:uploadStart-uploadEnd`.
//!   Only callback URLs under our configured API base are followed (the bearer token never goes
//!   to another host).
//! - Not ingested: `activityFiles` (raw FIT/TCX/GPX; the parsed `activityDetails` carry the same
//!   data), `moveIQActivities` (auto-detected labels, not workouts; already in dailies/epochs) and
//!   `mct` (no cycle-tracking model). Their items are dropped by `parse_webhook`.
//! - A local offset outside ±18 h (Garmin lets users set any display time within 24 h of UTC)
//!   is dropped (`zone_offset: None`) rather than failing the record.
//! - Garmin replaces a summary by re-sending one with the same start time (and a longer
//!   duration); summary ids may embed the duration. Sleep sessions are therefore identified by
//!   `sleep-<startTimeInSeconds>` (naps `nap-<napStartTimeInSeconds>`), workouts by the Garmin
//!   `activityId`, daily activity by its calendar date.
//! - Several epoch records may share one 15-minute start (one per activity type); their samples are
//!   stamped `start + k` seconds (`k` fixed per activity type) so they do not overwrite each other.

mod api;
mod client;
pub(crate) mod oauth;
pub mod transformers;
mod webhook;

use std::fmt;
use std::str::FromStr;

use crate::ProviderEndpoints;

pub use api::Garmin;
pub use client::{
    BackfillOutcome, BackfillReport, BackfillRequest, GarminClient, request_backfill,
};
pub use webhook::{verify_webhook, webhook_secret};

/// Garmin takes no scopes in the authorize URL: permissions are set per app in its portal.
pub const SCOPES: &[&str] = &[];

/// How far back backfill reaches (days before the user's first connection), and the longest
/// window of one backfill request we send.
pub const MAX_BACKFILL_DAYS: u32 = 30;

/// Garmin's production endpoints.
pub fn default_endpoints() -> Option<ProviderEndpoints> {
    Some(endpoints())
}

pub(crate) fn endpoints() -> ProviderEndpoints {
    ProviderEndpoints {
        authorize_url: crate::static_url("https://connect.garmin.com/oauth2Confirm"),
        token_url: crate::static_url("https://diauth.garmin.com/di-oauth2-service/oauth/token"),
        api_base_url: crate::static_url("https://apis.garmin.com"),
        revoke_url: None,
    }
}

/// The Garmin summary types Wearhouse ingests, by their webhook list keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GarminDataType {
    Activities,
    ManuallyUpdatedActivities,
    ActivityDetails,
    Dailies,
    Epochs,
    Sleeps,
    BodyComps,
    StressDetails,
    UserMetrics,
    PulseOx,
    Respiration,
    Hrv,
    BloodPressures,
    SkinTemp,
    HealthSnapshot,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Garmin data type `{0}`")]
pub struct UnknownGarminDataType(pub String);

/// The portal product a summary type belongs to, with the permission it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GarminApi {
    Activity,
    Health,
}

impl GarminDataType {
    pub const ALL: [GarminDataType; 15] = [
        GarminDataType::Activities,
        GarminDataType::ManuallyUpdatedActivities,
        GarminDataType::ActivityDetails,
        GarminDataType::Dailies,
        GarminDataType::Epochs,
        GarminDataType::Sleeps,
        GarminDataType::BodyComps,
        GarminDataType::StressDetails,
        GarminDataType::UserMetrics,
        GarminDataType::PulseOx,
        GarminDataType::Respiration,
        GarminDataType::Hrv,
        GarminDataType::BloodPressures,
        GarminDataType::SkinTemp,
        GarminDataType::HealthSnapshot,
    ];

    /// The webhook list key, also [`crate::FetchedPayload::kind`] and `normalize`'s `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            GarminDataType::Activities => "activities",
            GarminDataType::ManuallyUpdatedActivities => "manuallyUpdatedActivities",
            GarminDataType::ActivityDetails => "activityDetails",
            GarminDataType::Dailies => "dailies",
            GarminDataType::Epochs => "epochs",
            GarminDataType::Sleeps => "sleeps",
            GarminDataType::BodyComps => "bodyComps",
            GarminDataType::StressDetails => "stressDetails",
            GarminDataType::UserMetrics => "userMetrics",
            GarminDataType::PulseOx => "pulseox",
            GarminDataType::Respiration => "allDayRespiration",
            GarminDataType::Hrv => "hrv",
            GarminDataType::BloodPressures => "bloodPressures",
            GarminDataType::SkinTemp => "skinTemp",
            GarminDataType::HealthSnapshot => "healthSnapshot",
        }
    }

    /// The REST path segment of the summary and backfill endpoints (differs from the webhook key
    /// for pulse ox and respiration).
    pub fn path(self) -> &'static str {
        match self {
            GarminDataType::PulseOx => "pulseOx",
            GarminDataType::Respiration => "respiration",
            other => other.as_str(),
        }
    }

    /// Whether `GET /wellness-api/rest/backfill/{path}` exists for this type.
    pub fn has_backfill(self) -> bool {
        self != GarminDataType::ManuallyUpdatedActivities
    }

    pub fn api(self) -> GarminApi {
        match self {
            GarminDataType::Activities
            | GarminDataType::ManuallyUpdatedActivities
            | GarminDataType::ActivityDetails => GarminApi::Activity,
            _ => GarminApi::Health,
        }
    }
}

impl fmt::Display for GarminDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GarminDataType {
    type Err = UnknownGarminDataType;

    /// The webhook key, or the REST path name (`pulseOx`, `respiration`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GarminDataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s || t.path() == s)
            .ok_or_else(|| UnknownGarminDataType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_round_trip_and_path_aliases_parse() {
        for t in GarminDataType::ALL {
            assert_eq!(t.as_str().parse::<GarminDataType>(), Ok(t));
            assert_eq!(t.path().parse::<GarminDataType>(), Ok(t));
        }
        assert_eq!("pulseOx".parse(), Ok(GarminDataType::PulseOx));
        assert_eq!("respiration".parse(), Ok(GarminDataType::Respiration));
        assert!("activityFiles".parse::<GarminDataType>().is_err());
        assert!("mct".parse::<GarminDataType>().is_err());
    }

    #[test]
    fn production_endpoints_are_garmins() {
        let e = endpoints();
        assert_eq!(
            e.authorize_url.as_str(),
            "https://connect.garmin.com/oauth2Confirm"
        );
        assert_eq!(
            e.token_url.as_str(),
            "https://diauth.garmin.com/di-oauth2-service/oauth/token"
        );
        assert_eq!(e.api_base_url.as_str(), "https://apis.garmin.com/");
        assert!(e.revoke_url.is_none());
    }
}
