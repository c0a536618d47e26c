//! Polar exercises → `Workout` (+ heart rate, speed, cadence, altitude and power samples).

use chrono::{DateTime, TimeDelta};
use domain::{NormalizedBatch, Sample, SeriesType, Workout, ZoneOffset};
use serde::Deserialize;

use super::{iso_duration_seconds, local_to_utc, parse_naive, unified_workout_type};
use crate::error::TransformError;

#[derive(Deserialize)]
pub(super) struct PolarExercise {
    id: Option<String>,
    #[serde(default)]
    device: Option<String>,
    /// Local time without offset (`2024-01-15T08:00:00`).
    start_time: Option<String>,
    /// Minutes east of UTC.
    #[serde(default)]
    start_time_utc_offset: Option<i64>,
    /// ISO 8601 (`PT1H0M0S`).
    duration: Option<String>,
    /// kcal.
    #[serde(default)]
    calories: Option<f64>,
    /// Meters.
    #[serde(default)]
    distance: Option<f64>,
    #[serde(default)]
    heart_rate: Option<HeartRate>,
    #[serde(default)]
    sport: Option<String>,
    #[serde(default)]
    detailed_sport_info: Option<String>,
    #[serde(default)]
    samples: Vec<SampleSet>,
}

#[derive(Deserialize)]
struct HeartRate {
    #[serde(default)]
    average: Option<f64>,
    #[serde(default)]
    maximum: Option<f64>,
}

/// `{"recording-rate": 5, "sample-type": "0", "data": "100,101,102"}`.
#[derive(Deserialize)]
struct SampleSet {
    /// Seconds between values.
    #[serde(rename = "recording-rate", default)]
    recording_rate: Option<f64>,
    #[serde(rename = "sample-type", default)]
    sample_type: Option<serde_json::Value>,
    #[serde(default)]
    data: Option<String>,
}

/// Polar sample types we keep, with the factor into the canonical unit.
fn series_of(sample_type: &str) -> Option<(SeriesType, f64)> {
    match sample_type {
        "0" => Some((SeriesType::HeartRate, 1.0)),
        // Speed is km/h.
        "1" => Some((SeriesType::Speed, 1000.0 / 3600.0)),
        "2" => Some((SeriesType::Cadence, 1.0)),
        "3" => Some((SeriesType::Elevation, 1.0)),
        "4" => Some((SeriesType::Power, 1.0)),
        _ => None,
    }
}

pub(super) fn push(doc: PolarExercise, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let id = doc
        .id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| TransformError::Malformed("exercise without id".into()))?;
    let missing =
        |field: &str| TransformError::Malformed(format!("exercise `{id}`: missing {field}"));
    let start_text = doc
        .start_time
        .as_deref()
        .ok_or_else(|| missing("start_time"))?;
    let duration_text = doc.duration.as_deref().ok_or_else(|| missing("duration"))?;
    let duration = iso_duration_seconds(duration_text).ok_or_else(|| {
        TransformError::Malformed(format!("exercise `{id}`: duration `{duration_text}`"))
    })?;
    // An explicit offset in the text wins; else the separate minutes field.
    let (start, zone_offset) = match DateTime::parse_from_rfc3339(start_text) {
        Ok(dt) => (dt.to_utc(), Some(ZoneOffset::of(&dt))),
        Err(_) => {
            let zone_offset = doc
                .start_time_utc_offset
                .map(|minutes| {
                    ZoneOffset::from_seconds(minutes * 60)
                        .map_err(|e| TransformError::Malformed(format!("exercise `{id}`: {e}")))
                })
                .transpose()?;
            let local = parse_naive("start_time", start_text)?;
            (local_to_utc(local, zone_offset), zone_offset)
        }
    };
    let end = start + TimeDelta::milliseconds((duration * 1000.0).round() as i64);

    for set in &doc.samples {
        let sample_type = match &set.sample_type {
            Some(serde_json::Value::String(s)) => s.trim().to_owned(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        let (Some((series, factor)), Some(rate), Some(data)) = (
            series_of(&sample_type),
            set.recording_rate,
            set.data.as_deref(),
        ) else {
            continue;
        };
        if !rate.is_finite() || rate <= 0.0 {
            continue;
        }
        let step_ms = (rate * 1000.0).round() as i64;
        for (i, raw) in data.split(',').enumerate() {
            // Gaps are empty or NaN; they are skipped, not failed.
            let Ok(value) = raw.trim().parse::<f64>() else {
                continue;
            };
            if !value.is_finite() {
                continue;
            }
            let Some(time) = step_ms
                .checked_mul(i as i64)
                .and_then(|ms| start.checked_add_signed(TimeDelta::milliseconds(ms)))
            else {
                continue;
            };
            batch.samples.push(Sample {
                series,
                time,
                zone_offset,
                value: value * factor,
            });
        }
    }

    let heart_rate = doc.heart_rate.as_ref();
    batch.workouts.push(Workout {
        workout_type: unified_workout_type(
            doc.sport.as_deref(),
            doc.detailed_sport_info.as_deref(),
        )
        .to_owned(),
        name: None,
        start,
        end,
        zone_offset,
        calories_kcal: doc.calories,
        distance_meters: doc.distance,
        avg_heart_rate_bpm: heart_rate.and_then(|h| h.average),
        max_heart_rate_bpm: heart_rate.and_then(|h| h.maximum),
        elevation_gain_meters: None,
        device: doc.device.filter(|d| !d.trim().is_empty()),
        external_id: id,
    });
    Ok(())
}
