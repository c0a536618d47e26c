//! Garmin summary types: webhook list key, REST path, product and permission.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(crate) enum Kind {
    Activities,
    ManuallyUpdatedActivities,
    ActivityDetails,
    MoveIq,
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
    Mct,
}

pub(crate) const ACTIVITY_EXPORT: &str = "ACTIVITY_EXPORT";
pub(crate) const HEALTH_EXPORT: &str = "HEALTH_EXPORT";
pub(crate) const HISTORICAL_DATA_EXPORT: &str = "HISTORICAL_DATA_EXPORT";
pub(crate) const WOMEN_HEALTH_EXPORT: &str = "WOMEN_HEALTH_EXPORT";

impl Kind {
    pub(crate) const ALL: [Kind; 17] = [
        Kind::Activities,
        Kind::ManuallyUpdatedActivities,
        Kind::ActivityDetails,
        Kind::MoveIq,
        Kind::Dailies,
        Kind::Epochs,
        Kind::Sleeps,
        Kind::BodyComps,
        Kind::StressDetails,
        Kind::UserMetrics,
        Kind::PulseOx,
        Kind::Respiration,
        Kind::Hrv,
        Kind::BloodPressures,
        Kind::SkinTemp,
        Kind::HealthSnapshot,
        Kind::Mct,
    ];

    /// The webhook list key.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Kind::Activities => "activities",
            Kind::ManuallyUpdatedActivities => "manuallyUpdatedActivities",
            Kind::ActivityDetails => "activityDetails",
            Kind::MoveIq => "moveIQActivities",
            Kind::Dailies => "dailies",
            Kind::Epochs => "epochs",
            Kind::Sleeps => "sleeps",
            Kind::BodyComps => "bodyComps",
            Kind::StressDetails => "stressDetails",
            Kind::UserMetrics => "userMetrics",
            Kind::PulseOx => "pulseox",
            Kind::Respiration => "allDayRespiration",
            Kind::Hrv => "hrv",
            Kind::BloodPressures => "bloodPressures",
            Kind::SkinTemp => "skinTemp",
            Kind::HealthSnapshot => "healthSnapshot",
            Kind::Mct => "mct",
        }
    }

    /// The REST path segment (summary and backfill endpoints).
    pub(crate) fn path(self) -> &'static str {
        match self {
            Kind::MoveIq => "moveiq",
            Kind::PulseOx => "pulseOx",
            Kind::Respiration => "respiration",
            other => other.key(),
        }
    }

    pub(crate) fn from_path(path: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.path() == path)
    }

    /// A webhook key or a REST path.
    pub(crate) fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.key() == name || k.path() == name)
    }

    pub(crate) fn is_activity_api(self) -> bool {
        matches!(
            self,
            Kind::Activities
                | Kind::ManuallyUpdatedActivities
                | Kind::ActivityDetails
                | Kind::MoveIq
        )
    }

    /// The user permission a summary type needs.
    pub(crate) fn permission(self) -> &'static str {
        match self {
            Kind::Mct => WOMEN_HEALTH_EXPORT,
            k if k.is_activity_api() => ACTIVITY_EXPORT,
            _ => HEALTH_EXPORT,
        }
    }

    pub(crate) fn has_backfill(self) -> bool {
        self != Kind::ManuallyUpdatedActivities
    }
}
