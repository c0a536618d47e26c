//! Oura wire payloads → domain records. Pure: no I/O, no clock, no logging.
//!
//! Oura sends ISO 8601 times with the wearer's local offset, durations in seconds, distances in
//! meters and energy in kcal, which are already our canonical units; only times are moved to UTC
//! (the offset is kept as `zone_offset`).

mod sleep;
mod workout_types;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use domain::{DailyActivity, NormalizedBatch, Sample, SeriesType, Workout, ZoneOffset};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::TransformError;

pub use workout_types::unified_workout_type;

/// Normalizes one Oura payload of `kind` (`sleep`, `heartrate`, `workout`, `daily_activity`):
/// either a collection page `{"data": [...], "next_token": ..}` or a single document.
pub fn normalize(kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
    let mut batch = NormalizedBatch::default();
    match kind {
        "sleep" => {
            for doc in documents::<sleep::OuraSleep>(kind, body)? {
                sleep::push(doc, &mut batch)?;
            }
        }
        "heartrate" => {
            for row in documents::<OuraHeartRate>(kind, body)? {
                let (time, zone_offset) = parse_time("timestamp", &row.timestamp)?;
                batch.samples.push(Sample {
                    series: SeriesType::HeartRate,
                    time,
                    zone_offset: Some(zone_offset),
                    value: row.bpm,
                });
            }
        }
        "workout" => {
            for doc in documents::<OuraWorkout>(kind, body)? {
                batch.workouts.push(workout(doc)?);
            }
        }
        "daily_activity" => {
            for doc in documents::<OuraDailyActivity>(kind, body)? {
                batch.daily_activity.push(daily_activity(doc)?);
            }
        }
        other => return Err(TransformError::UnsupportedKind(other.to_owned())),
    }
    Ok(batch)
}

#[derive(Deserialize)]
struct OuraHeartRate {
    bpm: f64,
    timestamp: String,
}

#[derive(Deserialize)]
struct OuraWorkout {
    id: String,
    #[serde(default)]
    activity: Option<String>,
    #[serde(default)]
    label: Option<String>,
    start_datetime: String,
    end_datetime: String,
    #[serde(default)]
    calories: Option<f64>,
    #[serde(default)]
    distance: Option<f64>,
}

fn workout(doc: OuraWorkout) -> Result<Workout, TransformError> {
    let (start, zone_offset) = parse_time("start_datetime", &doc.start_datetime)?;
    let (end, _) = parse_time("end_datetime", &doc.end_datetime)?;
    Ok(Workout {
        workout_type: unified_workout_type(doc.activity.as_deref()).to_owned(),
        name: doc.label.filter(|l| !l.trim().is_empty()),
        start,
        end,
        zone_offset: Some(zone_offset),
        calories_kcal: doc.calories,
        distance_meters: doc.distance,
        avg_heart_rate_bpm: None,
        max_heart_rate_bpm: None,
        elevation_gain_meters: None,
        device: None,
        external_id: doc.id,
    })
}

#[derive(Deserialize)]
struct OuraDailyActivity {
    id: String,
    day: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    steps: Option<f64>,
    #[serde(default)]
    active_calories: Option<f64>,
    #[serde(default)]
    total_calories: Option<f64>,
    #[serde(default)]
    equivalent_walking_distance: Option<f64>,
    #[serde(default)]
    high_activity_time: Option<f64>,
    #[serde(default)]
    medium_activity_time: Option<f64>,
    #[serde(default)]
    low_activity_time: Option<f64>,
    #[serde(default)]
    sedentary_time: Option<f64>,
}

fn daily_activity(doc: OuraDailyActivity) -> Result<DailyActivity, TransformError> {
    let date = NaiveDate::parse_from_str(&doc.day, "%Y-%m-%d")
        .map_err(|e| TransformError::Malformed(format!("day `{}`: {e}", doc.day)))?;
    let zone_offset = match &doc.timestamp {
        Some(ts) => Some(parse_time("timestamp", ts)?.1),
        None => None,
    };
    let high = seconds(doc.high_activity_time);
    let medium = seconds(doc.medium_activity_time);
    let low = seconds(doc.low_activity_time);
    let active_seconds = match (high, medium, low) {
        (Some(h), Some(m), Some(l)) => Some(h + m + l),
        _ => None,
    };
    Ok(DailyActivity {
        external_id: doc.id,
        date,
        zone_offset,
        steps: seconds(doc.steps),
        active_calories_kcal: doc.active_calories,
        total_calories_kcal: doc.total_calories,
        distance_meters: doc.equivalent_walking_distance,
        active_seconds,
        sedentary_seconds: seconds(doc.sedentary_time),
        low_activity_seconds: low,
        medium_activity_seconds: medium,
        high_activity_seconds: high,
    })
}

/// The documents of a page (`{"data": [...]}`) or the single document `body` is.
fn documents<T: DeserializeOwned>(kind: &str, body: &[u8]) -> Result<Vec<T>, TransformError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TransformError::Malformed(format!("{kind}: not JSON: {e}")))?;
    let items = match value {
        Value::Object(mut map) if map.get("data").is_some_and(Value::is_array) => {
            match map.remove("data") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            }
        }
        Value::Object(_) => vec![value],
        _ => {
            return Err(TransformError::Malformed(format!(
                "{kind}: expected a JSON object"
            )));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item)
                .map_err(|e| TransformError::Malformed(format!("{kind}[{i}]: {e}")))
        })
        .collect()
}

/// An RFC 3339 time with offset, as a UTC instant plus the offset it was written in.
fn parse_time(field: &str, text: &str) -> Result<(DateTime<Utc>, ZoneOffset), TransformError> {
    let local: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(text)
        .map_err(|e| TransformError::Malformed(format!("{field} `{text}`: {e}")))?;
    Ok((local.with_timezone(&Utc), ZoneOffset::of(&local)))
}

/// Whole seconds (or counts) from a JSON number that may arrive as `123` or `123.0`.
fn seconds(value: Option<f64>) -> Option<i64> {
    value.filter(|v| v.is_finite()).map(|v| v.round() as i64)
}

#[cfg(test)]
mod tests;
