//! The providers Wearhouse knows, by their API slug.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Oura,
    Garmin,
    Whoop,
    Polar,
    Suunto,
    Strava,
    Fitbit,
    Withings,
    Ultrahuman,
    Apple,
    Samsung,
    Google,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider `{0}`")]
pub struct UnknownProvider(pub String);

impl Provider {
    pub const ALL: [Provider; 12] = [
        Provider::Oura,
        Provider::Garmin,
        Provider::Whoop,
        Provider::Polar,
        Provider::Suunto,
        Provider::Strava,
        Provider::Fitbit,
        Provider::Withings,
        Provider::Ultrahuman,
        Provider::Apple,
        Provider::Samsung,
        Provider::Google,
    ];

    /// The lowercase slug used in URLs, queue routing keys and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Oura => "oura",
            Provider::Garmin => "garmin",
            Provider::Whoop => "whoop",
            Provider::Polar => "polar",
            Provider::Suunto => "suunto",
            Provider::Strava => "strava",
            Provider::Fitbit => "fitbit",
            Provider::Withings => "withings",
            Provider::Ultrahuman => "ultrahuman",
            Provider::Apple => "apple",
            Provider::Samsung => "samsung",
            Provider::Google => "google",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = UnknownProvider;

    /// Slugs are lowercase, exactly as in seed 002 (`garmin`, not `Garmin`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slug_round_trips() {
        for p in Provider::ALL {
            assert_eq!(p.as_str().parse::<Provider>(), Ok(p));
        }
    }

    #[test]
    fn slugs_are_case_sensitive() {
        assert!("Oura".parse::<Provider>().is_err());
    }
}
