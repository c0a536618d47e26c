//! Time-series types with stable numeric ids and one canonical unit each.
//!
//! Ids and codes are the Open Wearables ones, so stored data and API output stay wire-compatible.
//! Never change an existing id: it is persisted in the `samples` table.

use serde::{Deserialize, Serialize};

macro_rules! series_types {
    ($($variant:ident = ($id:expr, $code:literal, $unit:literal, $agg:ident)),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum SeriesType {
            $($variant),+
        }

        impl SeriesType {
            pub const ALL: &'static [SeriesType] = &[$(SeriesType::$variant),+];

            /// The stable id stored in the database.
            pub fn id(self) -> i16 {
                match self { $(SeriesType::$variant => $id),+ }
            }

            /// The snake_case code used by the API (`types=heart_rate`).
            pub fn code(self) -> &'static str {
                match self { $(SeriesType::$variant => $code),+ }
            }

            /// The canonical unit every provider is converted into.
            pub fn unit(self) -> &'static str {
                match self { $(SeriesType::$variant => $unit),+ }
            }

            /// How samples of this type combine over a period.
            pub fn aggregation(self) -> Aggregation {
                match self { $(SeriesType::$variant => Aggregation::$agg),+ }
            }

            pub fn from_id(id: i16) -> Option<SeriesType> {
                match id { $($id => Some(SeriesType::$variant),)+ _ => None }
            }

            pub fn from_code(code: &str) -> Option<SeriesType> {
                match code { $($code => Some(SeriesType::$variant),)+ _ => None }
            }
        }
    };
}

/// How a series aggregates over a day or a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    Sum,
    Avg,
    Max,
}

series_types! {
    HeartRate = (1, "heart_rate", "bpm", Avg),
    RestingHeartRate = (2, "resting_heart_rate", "bpm", Avg),
    HeartRateVariabilitySdnn = (3, "heart_rate_variability_sdnn", "ms", Avg),
    HeartRateRecoveryOneMinute = (4, "heart_rate_recovery_one_minute", "bpm", Avg),
    WalkingHeartRateAverage = (5, "walking_heart_rate_average", "bpm", Avg),
    HeartRateVariabilityRmssd = (7, "heart_rate_variability_rmssd", "ms", Avg),
    OxygenSaturation = (20, "oxygen_saturation", "percent", Avg),
    BloodGlucose = (21, "blood_glucose", "mg_dl", Avg),
    BloodPressureSystolic = (22, "blood_pressure_systolic", "mmHg", Avg),
    BloodPressureDiastolic = (23, "blood_pressure_diastolic", "mmHg", Avg),
    RespiratoryRate = (24, "respiratory_rate", "brpm", Avg),
    BreathingDisturbanceIndex = (31, "breathing_disturbance_index", "score", Avg),
    Height = (40, "height", "cm", Avg),
    Weight = (41, "weight", "kg", Avg),
    BodyFatPercentage = (42, "body_fat_percentage", "percent", Avg),
    BodyMassIndex = (43, "body_mass_index", "kg_m2", Avg),
    LeanBodyMass = (44, "lean_body_mass", "kg", Avg),
    BodyTemperature = (45, "body_temperature", "celsius", Avg),
    SkinTemperature = (46, "skin_temperature", "celsius", Avg),
    BodyFatMass = (48, "body_fat_mass", "kg", Avg),
    SkeletalMuscleMass = (49, "skeletal_muscle_mass", "kg", Avg),
    SkinTemperatureDeviation = (50, "skin_temperature_deviation", "celsius", Avg),
    SkinTemperatureTrendDeviation = (51, "skin_temperature_trend_deviation", "celsius", Avg),
    Vo2Max = (60, "vo2_max", "ml_kg_min", Avg),
    CardiovascularAge = (62, "cardiovascular_age", "years", Avg),
    Steps = (80, "steps", "count", Sum),
    Energy = (81, "energy", "kcal", Sum),
    BasalEnergy = (82, "basal_energy", "kcal", Sum),
    StandTime = (83, "stand_time", "minutes", Sum),
    ExerciseTime = (84, "exercise_time", "minutes", Sum),
    FlightsClimbed = (86, "flights_climbed", "count", Sum),
    AverageMet = (87, "average_met", "met", Avg),
    ActiveTime = (88, "active_time", "minutes", Sum),
    DistanceWalkingRunning = (100, "distance_walking_running", "meters", Sum),
    DistanceCycling = (101, "distance_cycling", "meters", Sum),
    DistanceSwimming = (102, "distance_swimming", "meters", Sum),
    DistanceOther = (104, "distance_other", "meters", Sum),
    Cadence = (180, "cadence", "rpm", Avg),
    Power = (181, "power", "watts", Avg),
    Speed = (182, "speed", "m_per_s", Avg),
    Elevation = (209, "elevation", "meters", Avg),
    Latitude = (210, "latitude", "degrees", Avg),
    Longitude = (211, "longitude", "degrees", Avg),
    GarminStressLevel = (220, "garmin_stress_level", "score", Avg),
    GarminFitnessAge = (222, "garmin_fitness_age", "years", Avg),
    GarminBodyBattery = (223, "garmin_body_battery", "percent", Avg),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_codes_are_unique_and_round_trip() {
        let mut ids = HashSet::new();
        let mut codes = HashSet::new();
        for &t in SeriesType::ALL {
            assert!(ids.insert(t.id()), "duplicate id {}", t.id());
            assert!(codes.insert(t.code()), "duplicate code {}", t.code());
            assert_eq!(SeriesType::from_id(t.id()), Some(t));
            assert_eq!(SeriesType::from_code(t.code()), Some(t));
        }
    }

    #[test]
    fn serde_name_matches_code() {
        for &t in SeriesType::ALL {
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.code())
            );
        }
    }
}
