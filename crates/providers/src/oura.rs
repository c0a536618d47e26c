//! Oura API v2: OAuth (credentials in the body, no PKCE, single-use refresh tokens), REST pull
//! with `next_token` pages, notify-only signed webhooks, and transformers.

mod api;
mod client;
pub(crate) mod oauth;
pub mod subscriptions;
pub mod transformers;
mod webhook;

use std::fmt;
use std::str::FromStr;

use crate::ProviderEndpoints;

pub use api::Oura;
pub use client::{OuraClient, PersonalInfo};
pub use webhook::{OuraNotification, answer_challenge, sign, verify_webhook};

/// Scopes we request: the user id and email, sleep and daily summaries, heart rate, workouts.
pub const SCOPES: &[&str] = &["email", "personal", "daily", "heartrate", "workout"];

/// Oura's production endpoints.
pub fn default_endpoints() -> Option<ProviderEndpoints> {
    Some(endpoints())
}

pub(crate) fn endpoints() -> ProviderEndpoints {
    ProviderEndpoints {
        authorize_url: crate::static_url("https://cloud.ouraring.com/oauth/authorize"),
        token_url: crate::static_url("https://api.ouraring.com/oauth/token"),
        api_base_url: crate::static_url("https://api.ouraring.com"),
        revoke_url: Some(crate::static_url("https://api.ouraring.com/oauth/revoke")),
    }
}

/// The Oura data types Wearhouse fetches, by Oura's own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OuraDataType {
    Sleep,
    Heartrate,
    Workout,
    DailyActivity,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Oura data type `{0}`")]
pub struct UnknownOuraDataType(pub String);

impl OuraDataType {
    pub const ALL: [OuraDataType; 4] = [
        OuraDataType::Sleep,
        OuraDataType::Heartrate,
        OuraDataType::Workout,
        OuraDataType::DailyActivity,
    ];

    /// Oura's name, used in REST paths, webhook `data_type` and [`crate::FetchedPayload::kind`].
    pub fn as_str(self) -> &'static str {
        match self {
            OuraDataType::Sleep => "sleep",
            OuraDataType::Heartrate => "heartrate",
            OuraDataType::Workout => "workout",
            OuraDataType::DailyActivity => "daily_activity",
        }
    }

    /// Heart rate is a time series (datetime range, no documents); the others are documents.
    pub fn is_time_series(self) -> bool {
        matches!(self, OuraDataType::Heartrate)
    }
}

impl fmt::Display for OuraDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OuraDataType {
    type Err = UnknownOuraDataType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OuraDataType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownOuraDataType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_round_trip() {
        for t in OuraDataType::ALL {
            assert_eq!(t.as_str().parse::<OuraDataType>(), Ok(t));
        }
        assert!("daily_readiness".parse::<OuraDataType>().is_err());
    }
}
