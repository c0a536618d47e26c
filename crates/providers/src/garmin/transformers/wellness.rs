//! Health API day data: `dailies` → `DailyActivity` (+ resting/intraday heart rate, floors, BMR)
//! and `epochs` (15-minute buckets) → steps, energy, distance, MET and active-time samples.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use domain::{DailyActivity, NormalizedBatch, SeriesType};
use serde::Deserialize;
use serde_json::Value;

use super::{id_text, instant, map_samples, sample, whole, zone};
use crate::error::TransformError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Daily {
    #[serde(default)]
    summary_id: Option<Value>,
    #[serde(default)]
    calendar_date: Option<String>,
    #[serde(default)]
    start_time_in_seconds: Option<f64>,
    #[serde(default)]
    start_time_offset_in_seconds: Option<f64>,
    #[serde(default)]
    steps: Option<f64>,
    #[serde(default)]
    distance_in_meters: Option<f64>,
    #[serde(default)]
    active_time_in_seconds: Option<f64>,
    #[serde(default)]
    active_kilocalories: Option<f64>,
    #[serde(default)]
    bmr_kilocalories: Option<f64>,
    #[serde(default)]
    moderate_intensity_duration_in_seconds: Option<f64>,
    #[serde(default)]
    vigorous_intensity_duration_in_seconds: Option<f64>,
    #[serde(default)]
    floors_climbed: Option<f64>,
    #[serde(default)]
    resting_heart_rate_in_beats_per_minute: Option<f64>,
    /// Offset (s) → bpm, each the representative of the previous 15 seconds.
    #[serde(default)]
    time_offset_heart_rate_samples: Option<BTreeMap<String, Value>>,
}

pub(super) fn dailies(doc: Daily, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let id = id_text(&doc.summary_id)
        .ok_or_else(|| TransformError::Malformed("daily: missing summaryId".into()))?;
    let what = format!("daily `{id}`");
    let start = instant(&what, "startTimeInSeconds", doc.start_time_in_seconds)?;
    let zone_offset = zone(doc.start_time_offset_in_seconds);
    let date = match doc.calendar_date.as_deref() {
        Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| {
            TransformError::Malformed(format!("{what}: calendarDate `{text}`: {e}"))
        })?,
        // The device's local date at the start of the day.
        None => {
            let local = zone_offset.map_or(0, |z| i64::from(z.seconds()));
            (start + Duration::seconds(local)).date_naive()
        }
    };
    let total_calories = match (doc.active_kilocalories, doc.bmr_kilocalories) {
        (Some(active), Some(bmr)) => Some(active + bmr),
        _ => None,
    };
    if let Some(map) = &doc.time_offset_heart_rate_samples {
        batch.samples.extend(map_samples(
            SeriesType::HeartRate,
            start,
            zone_offset,
            map,
            |v| v > 0.0,
        ));
    }
    batch.samples.extend(
        [
            (
                SeriesType::RestingHeartRate,
                doc.resting_heart_rate_in_beats_per_minute
                    .filter(|v| *v > 0.0),
            ),
            (SeriesType::FlightsClimbed, doc.floors_climbed),
            (SeriesType::BasalEnergy, doc.bmr_kilocalories),
        ]
        .into_iter()
        .filter_map(|(series, value)| sample(series, start, zone_offset, value)),
    );
    batch.daily_activity.push(DailyActivity {
        external_id: id,
        date,
        zone_offset,
        steps: whole(doc.steps),
        active_calories_kcal: doc.active_kilocalories,
        total_calories_kcal: total_calories,
        distance_meters: doc.distance_in_meters,
        active_seconds: whole(doc.active_time_in_seconds),
        sedentary_seconds: None,
        low_activity_seconds: None,
        medium_activity_seconds: whole(doc.moderate_intensity_duration_in_seconds),
        high_activity_seconds: whole(doc.vigorous_intensity_duration_in_seconds),
    });
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Epoch {
    #[serde(default)]
    start_time_in_seconds: Option<f64>,
    #[serde(default)]
    start_time_offset_in_seconds: Option<f64>,
    #[serde(default)]
    activity_type: Option<String>,
    #[serde(default)]
    steps: Option<f64>,
    #[serde(default)]
    distance_in_meters: Option<f64>,
    #[serde(default)]
    active_kilocalories: Option<f64>,
    #[serde(default)]
    met: Option<f64>,
    #[serde(default)]
    active_time_in_seconds: Option<f64>,
}

/// Garmin sends one epoch record per activity type sharing a 15-minute start; each type gets
/// its own second inside the bucket so that their samples do not overwrite each other.
fn slot(activity_type: &str) -> i64 {
    match activity_type {
        "SEDENTARY" => 0,
        "SLEEP" => 1,
        "WALKING" => 2,
        "RUNNING" => 3,
        "GENERIC" => 4,
        "WHEELCHAIR_PUSH" => 5,
        _ => 6,
    }
}

pub(super) fn epochs(doc: Epoch, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let start = instant("epoch", "startTimeInSeconds", doc.start_time_in_seconds)?;
    let activity_type = doc
        .activity_type
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    let time = start + Duration::seconds(slot(&activity_type));
    let zone_offset = zone(doc.start_time_offset_in_seconds);
    let distance = if activity_type == "WHEELCHAIR_PUSH" {
        SeriesType::DistanceOther
    } else {
        SeriesType::DistanceWalkingRunning
    };
    // For SEDENTARY and SLEEP records, "active time" is time spent sedentary or asleep.
    let active_minutes = match activity_type.as_str() {
        "SEDENTARY" | "SLEEP" => None,
        _ => doc.active_time_in_seconds.map(|s| s / 60.0),
    };
    batch.samples.extend(
        [
            (SeriesType::Steps, doc.steps),
            (SeriesType::Energy, doc.active_kilocalories),
            (distance, doc.distance_in_meters),
            (SeriesType::AverageMet, doc.met.filter(|m| *m > 0.0)),
            (SeriesType::ActiveTime, active_minutes),
        ]
        .into_iter()
        .filter_map(|(series, value)| sample(series, time, zone_offset, value)),
    );
    Ok(())
}
