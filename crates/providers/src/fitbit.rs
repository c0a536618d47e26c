//! Fitbit Web API (legacy; Google plans its sunset for Sept 2026, until then it works as
//! documented): OAuth 2.0 with PKCE (S256) and HTTP Basic client authentication, single-use
//! refresh tokens, `user_id` in the token response, per-user notify-only subscriptions signed with
//! `X-Fitbit-Signature`, REST pull by date, and transformers.
//!
//! Choices on points the reference marks UNVERIFIED (providers.md §7):
//! - **Subscriptions**: created in `connect()` with the user's token, one per collection we use
//!   (`activities`, `body`, `sleep`, `userRevokedAccess`), ids `<fitbit user id>-<collection>`
//!   (unique per subscriber, ≤ 50 characters), on the app's default subscriber (no
//!   `X-Fitbit-Subscriber-Id` header). 200 (identical one exists) and 409 (conflict) count as
//!   success. `disconnect()` lists and deletes them, then revokes the token.
//! - **Deauthorization**: collections `userRevokedAccess` and `deleteUser` both become
//!   [`crate::InboundEvent::Deauthorized`].
//! - **Signature**: base64(HMAC-SHA1(key = secret + `&`, raw body)) against every configured
//!   secret (the `webhook_secrets` setting, else the client secret). Fitbit sends no timestamp, so
//!   there is no replay window; re-delivered notifications are harmless (they only trigger
//!   fetches).
//! - **Verification**: `GET ?verify=<code>` answers 204 for the configured
//!   `webhook_verification_token`, an error otherwise (the receiver must map it to 404).
//! - **Units**: every request sends `Accept-Language: metric` (anything but `en_US`/`en_GB` is
//!   the metric system): km, kg, meters, °C. Activity logs also carry `distanceUnit`, which the
//!   transformer honours.
//! - **Local times**: sleep, heart-rate, weight and daily endpoints give the wearer's local clock
//!   without an offset. Fetchers read the wearer's current offset from `GET
//!   /1/user/-/profile.json` (`offsetFromUTCMillis`) and append it to the payload kind
//!   (`sleep@-05:00`); DST changes inside a backfill are not corrected. A kind without an offset
//!   is read as UTC with an unknown zone. The daily summary body names no date, so its kind also
//!   carries the date: `activity_summary@2024-01-15-05:00`. See [`FitbitKind`].
//! - **Daily values** (HRV, SpO2, breathing rate, skin temperature, VO2 max, resting heart rate)
//!   are samples at local midnight of their date. Fitbit's HRV is RMSSD (`dailyRmssd`).
//! - **Activity log paging**: `afterDate=<first local day>T00:00:00&sort=asc&limit=100&offset=0`,
//!   then `pagination.next` (only followed when it points at the configured API host), stopping
//!   after the page that passes the window.
//! - **Request size**: sleep ranges ≤ 100 days; HRV, SpO2, BR, skin temperature, cardio score ≤ 30
//!   days; weight and fat logs ≤ 31 days; the daily summary and intraday heart rate (1 min) one day
//!   per request. With 150 requests per user per hour a 30-day window costs about 80 requests,
//!   so backfills are capped at 30 days (as Open Wearables does).
//! - **Classic sleep** (naps): `asleep` → sleeping, `restless` and `awake` → awake.
//! - **Body fat** comes from the fat log only (the weight log's `fat` copy is ignored).

mod api;
mod client;
pub(crate) mod oauth;
mod sha1;
pub mod subscriptions;
pub mod transformers;
mod webhook;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use domain::ZoneOffset;

use crate::ProviderEndpoints;

pub use api::Fitbit;
pub use client::{FitbitClient, Profile};
pub use webhook::{FitbitNotification, SIGNATURE_HEADER, sign, verify_webhook};

/// Scopes we request (Fitbit's names; space-separated on the wire).
pub const SCOPES: &[&str] = &[
    "activity",
    "heartrate",
    "sleep",
    "profile",
    "weight",
    "oxygen_saturation",
    "respiratory_rate",
    "temperature",
    "cardio_fitness",
];

/// Subscription collections we subscribe each user to.
pub const COLLECTIONS: &[&str] = &["activities", "body", "sleep", "userRevokedAccess"];

/// Fitbit's production endpoints.
pub fn default_endpoints() -> Option<ProviderEndpoints> {
    Some(endpoints())
}

pub(crate) fn endpoints() -> ProviderEndpoints {
    ProviderEndpoints {
        authorize_url: crate::static_url("https://www.fitbit.com/oauth2/authorize"),
        token_url: crate::static_url("https://api.fitbit.com/oauth2/token"),
        api_base_url: crate::static_url("https://api.fitbit.com"),
        revoke_url: Some(crate::static_url("https://api.fitbit.com/oauth2/revoke")),
    }
}

/// The Fitbit data types Wearhouse ingests; their names start every payload kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FitbitDataType {
    /// Exercise logs (`/1/user/-/activities/list.json`): workouts.
    ActivityLog,
    /// The daily summary (`/1/user/-/activities/date/{date}.json`).
    ActivitySummary,
    /// Resting heart rate and 1-minute intraday heart rate of one day.
    Heart,
    Sleep,
    Hrv,
    Spo2,
    /// Breathing rate.
    Br,
    /// Nightly skin temperature variation.
    TempSkin,
    Weight,
    Fat,
    /// VO2 max.
    Cardioscore,
}

impl FitbitDataType {
    pub const ALL: [FitbitDataType; 11] = [
        FitbitDataType::ActivityLog,
        FitbitDataType::ActivitySummary,
        FitbitDataType::Heart,
        FitbitDataType::Sleep,
        FitbitDataType::Hrv,
        FitbitDataType::Spo2,
        FitbitDataType::Br,
        FitbitDataType::TempSkin,
        FitbitDataType::Weight,
        FitbitDataType::Fat,
        FitbitDataType::Cardioscore,
    ];

    /// The names of [`Self::ALL`], for [`crate::Capabilities::data_types`].
    pub const NAMES: [&str; 11] = [
        "activity_log",
        "activity_summary",
        "heart",
        "sleep",
        "hrv",
        "spo2",
        "br",
        "temp_skin",
        "weight",
        "fat",
        "cardioscore",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FitbitDataType::ActivityLog => "activity_log",
            FitbitDataType::ActivitySummary => "activity_summary",
            FitbitDataType::Heart => "heart",
            FitbitDataType::Sleep => "sleep",
            FitbitDataType::Hrv => "hrv",
            FitbitDataType::Spo2 => "spo2",
            FitbitDataType::Br => "br",
            FitbitDataType::TempSkin => "temp_skin",
            FitbitDataType::Weight => "weight",
            FitbitDataType::Fat => "fat",
            FitbitDataType::Cardioscore => "cardioscore",
        }
    }

    /// Whether the payload's times are local clock times without an offset.
    pub fn is_local_clock(self) -> bool {
        !matches!(self, FitbitDataType::ActivityLog)
    }

    /// The data types a notification of `collection` (`activities`, `body`, `sleep`) points at.
    pub fn for_collection(collection: &str) -> &'static [FitbitDataType] {
        match collection {
            "activities" => &[
                FitbitDataType::ActivitySummary,
                FitbitDataType::ActivityLog,
                FitbitDataType::Heart,
                FitbitDataType::Cardioscore,
            ],
            "body" => &[FitbitDataType::Weight, FitbitDataType::Fat],
            "sleep" => &[
                FitbitDataType::Sleep,
                FitbitDataType::Hrv,
                FitbitDataType::Br,
                FitbitDataType::Spo2,
                FitbitDataType::TempSkin,
            ],
            _ => &[],
        }
    }
}

impl fmt::Display for FitbitDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Fitbit payload kind `{0}`")]
pub struct UnknownFitbitKind(pub String);

impl FromStr for FitbitDataType {
    type Err = UnknownFitbitKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FitbitDataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownFitbitKind(s.to_owned()))
    }
}

/// A payload kind: `<data type>[@[<yyyy-MM-dd>][<±HH:MM>]]`. The offset is the wearer's UTC
/// offset for local-clock types; the date names the day of a daily summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitbitKind {
    pub data_type: FitbitDataType,
    pub date: Option<NaiveDate>,
    pub offset: Option<ZoneOffset>,
}

impl FitbitKind {
    /// Only local-clock types keep the offset and only the daily summary keeps the date, so other
    /// kinds stay exactly their data type's name.
    pub fn new(
        data_type: FitbitDataType,
        date: Option<NaiveDate>,
        offset: Option<ZoneOffset>,
    ) -> Self {
        Self {
            data_type,
            date: date.filter(|_| data_type == FitbitDataType::ActivitySummary),
            offset: offset.filter(|_| data_type.is_local_clock()),
        }
    }
}

impl fmt::Display for FitbitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.data_type.as_str())?;
        if self.date.is_some() || self.offset.is_some() {
            f.write_str("@")?;
        }
        if let Some(date) = self.date {
            write!(f, "{}", date.format("%Y-%m-%d"))?;
        }
        if let Some(offset) = self.offset {
            write!(f, "{offset}")?;
        }
        Ok(())
    }
}

impl FromStr for FitbitKind {
    type Err = UnknownFitbitKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownFitbitKind(s.to_owned());
        let (name, suffix) = match s.split_once('@') {
            Some((_, "")) => return Err(unknown()),
            Some((name, suffix)) => (name, suffix),
            None => (s, ""),
        };
        let data_type: FitbitDataType = name.parse().map_err(|_| unknown())?;
        let (date, offset_text) = match suffix.get(..10) {
            Some(head) if head.as_bytes().get(4) == Some(&b'-') => (
                Some(NaiveDate::parse_from_str(head, "%Y-%m-%d").map_err(|_| unknown())?),
                &suffix[10..],
            ),
            _ => (None, suffix),
        };
        let offset = match offset_text {
            "" => None,
            text => Some(text.parse::<ZoneOffset>().map_err(|_| unknown())?),
        };
        if date.is_some() && data_type != FitbitDataType::ActivitySummary
            || offset.is_some() && !data_type.is_local_clock()
        {
            return Err(unknown());
        }
        Ok(FitbitKind {
            data_type,
            date,
            offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_round_trip_and_match_the_name_list() {
        for (t, name) in FitbitDataType::ALL.into_iter().zip(FitbitDataType::NAMES) {
            assert_eq!(t.as_str(), name);
            assert_eq!(name.parse::<FitbitDataType>(), Ok(t));
        }
        assert!("foods".parse::<FitbitDataType>().is_err());
    }

    #[test]
    fn kinds_carry_an_offset_for_local_clock_types_and_a_date_for_daily_summaries() {
        let minus_five = ZoneOffset::from_seconds(-5 * 3600).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let sleep = FitbitKind::new(FitbitDataType::Sleep, Some(day), Some(minus_five));
        assert_eq!(sleep.to_string(), "sleep@-05:00");
        assert_eq!("sleep@-05:00".parse::<FitbitKind>(), Ok(sleep));
        let summary = FitbitKind::new(FitbitDataType::ActivitySummary, Some(day), Some(minus_five));
        assert_eq!(summary.to_string(), "activity_summary@2024-01-15-05:00");
        assert_eq!(summary.to_string().parse::<FitbitKind>(), Ok(summary));
        let no_offset = FitbitKind::new(FitbitDataType::ActivitySummary, Some(day), None);
        assert_eq!(no_offset.to_string(), "activity_summary@2024-01-15");
        assert_eq!(no_offset.to_string().parse::<FitbitKind>(), Ok(no_offset));
        let log = FitbitKind::new(FitbitDataType::ActivityLog, Some(day), Some(minus_five));
        assert_eq!(log.to_string(), "activity_log");
        assert_eq!("heart".parse::<FitbitKind>().unwrap().offset, None);
    }

    #[test]
    fn malformed_kinds_are_rejected() {
        for bad in [
            "sleep@",
            "sleep@bogus",
            "sleep@2024-01-15+01:00",
            "activity_summary@2024-13-15",
            "activity_summary@2024-01-15@+01:00",
            "foods@+01:00",
            "sleep@+25:00",
        ] {
            assert!(bad.parse::<FitbitKind>().is_err(), "{bad}");
        }
    }

    #[test]
    fn notification_collections_map_to_data_types() {
        assert!(FitbitDataType::for_collection("sleep").contains(&FitbitDataType::Hrv));
        assert!(FitbitDataType::for_collection("body").contains(&FitbitDataType::Fat));
        assert!(FitbitDataType::for_collection("foods").is_empty());
    }
}
