//! Normalized health records in canonical units (seconds, meters, kcal, bpm, ms).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::series::SeriesType;
use crate::time::ZoneOffset;

/// One measurement at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub series: SeriesType,
    pub time: DateTime<Utc>,
    pub zone_offset: Option<ZoneOffset>,
    pub value: f64,
}

/// Sleep stages, as in Open Wearables' `SleepStageType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SleepStage {
    InBed,
    Sleeping,
    Awake,
    Light,
    Deep,
    Rem,
    Unknown,
}

impl SleepStage {
    pub const ALL: [SleepStage; 7] = [
        SleepStage::InBed,
        SleepStage::Sleeping,
        SleepStage::Awake,
        SleepStage::Light,
        SleepStage::Deep,
        SleepStage::Rem,
        SleepStage::Unknown,
    ];

    /// Stable small-integer code stored in the database.
    pub fn id(self) -> i16 {
        match self {
            SleepStage::InBed => 0,
            SleepStage::Sleeping => 1,
            SleepStage::Awake => 2,
            SleepStage::Light => 3,
            SleepStage::Deep => 4,
            SleepStage::Rem => 5,
            SleepStage::Unknown => 6,
        }
    }

    pub fn from_id(id: i16) -> Option<SleepStage> {
        SleepStage::ALL.into_iter().find(|s| s.id() == id)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SleepStage::InBed => "in_bed",
            SleepStage::Sleeping => "sleeping",
            SleepStage::Awake => "awake",
            SleepStage::Light => "light",
            SleepStage::Deep => "deep",
            SleepStage::Rem => "rem",
            SleepStage::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageInterval {
    pub stage: SleepStage,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One sleep period (a night or a nap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SleepSession {
    /// The provider's id for this record; re-deliveries and revisions share it.
    pub external_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub zone_offset: Option<ZoneOffset>,
    pub is_nap: bool,
    /// Time actually asleep, seconds.
    pub sleep_duration_seconds: Option<i64>,
    pub efficiency_percent: Option<f64>,
    pub awake_seconds: Option<i64>,
    pub light_seconds: Option<i64>,
    pub deep_seconds: Option<i64>,
    pub rem_seconds: Option<i64>,
    pub avg_heart_rate_bpm: Option<f64>,
    pub lowest_heart_rate_bpm: Option<f64>,
    pub avg_hrv_rmssd_ms: Option<f64>,
    pub avg_respiratory_rate: Option<f64>,
    pub stages: Vec<StageInterval>,
    pub device: Option<String>,
}

impl SleepSession {
    /// Time in bed, seconds.
    pub fn duration_seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

/// One workout / exercise session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workout {
    pub external_id: String,
    /// A unified workout type code (`running`, `cycling`, … `other`).
    pub workout_type: String,
    pub name: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub zone_offset: Option<ZoneOffset>,
    pub calories_kcal: Option<f64>,
    pub distance_meters: Option<f64>,
    pub avg_heart_rate_bpm: Option<f64>,
    pub max_heart_rate_bpm: Option<f64>,
    pub elevation_gain_meters: Option<f64>,
    pub device: Option<String>,
}

impl Workout {
    pub fn duration_seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

/// A provider's own daily activity totals for one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyActivity {
    pub external_id: String,
    pub date: NaiveDate,
    pub zone_offset: Option<ZoneOffset>,
    pub steps: Option<i64>,
    pub active_calories_kcal: Option<f64>,
    pub total_calories_kcal: Option<f64>,
    pub distance_meters: Option<f64>,
    pub active_seconds: Option<i64>,
    pub sedentary_seconds: Option<i64>,
    pub low_activity_seconds: Option<i64>,
    pub medium_activity_seconds: Option<i64>,
    pub high_activity_seconds: Option<i64>,
}

/// Everything one raw payload normalized into.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NormalizedBatch {
    pub workouts: Vec<Workout>,
    pub sleeps: Vec<SleepSession>,
    pub samples: Vec<Sample>,
    pub daily_activity: Vec<DailyActivity>,
    /// External ids the provider says were deleted.
    pub deleted_external_ids: Vec<String>,
}

impl NormalizedBatch {
    pub fn is_empty(&self) -> bool {
        self.workouts.is_empty()
            && self.sleeps.is_empty()
            && self.samples.is_empty()
            && self.daily_activity.is_empty()
            && self.deleted_external_ids.is_empty()
    }
}
