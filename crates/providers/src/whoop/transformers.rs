//! WHOOP wire payloads → domain records. Pure: no I/O, no clock, no logging.
//!
//! Unit traps: times are UTC (`Z`) with the wearer's offset in a separate `timezone_offset`;
//! durations are milliseconds (`*_milli`); energy is kilojoules (÷ 4.184 for kcal); height is
//! meters (× 100 for cm). `score` is only present when `score_state` is `SCORED`.

mod sleep;
mod workout;
mod workout_types;

use chrono::{DateTime, NaiveDateTime, Utc};
use domain::{DailyActivity, NormalizedBatch, Sample, SeriesType, ZoneOffset};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::TransformError;

pub use workout_types::unified_workout_type;

/// Kilojoules per kilocalorie.
const KJ_PER_KCAL: f64 = 4.184;

/// Normalizes one WHOOP payload of `kind` (`cycle`, `sleep`, `recovery`, `workout`,
/// `body_measurement`): a collection page `{"records": [...], "next_token": ..}` or a single
/// document.
pub fn normalize(kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
    let mut batch = NormalizedBatch::default();
    match kind {
        "cycle" => {
            for doc in documents::<WhoopCycle>(kind, body)? {
                batch.daily_activity.push(cycle(doc)?);
            }
        }
        "sleep" => {
            for doc in documents::<sleep::WhoopSleep>(kind, body)? {
                sleep::push(doc, &mut batch)?;
            }
        }
        "recovery" => {
            for doc in documents::<WhoopRecovery>(kind, body)? {
                batch.samples.extend(recovery(doc)?);
            }
        }
        "workout" => {
            for doc in documents::<workout::WhoopWorkout>(kind, body)? {
                batch.workouts.push(workout::workout(doc)?);
            }
        }
        // The body carries no time, and a pure transformer reads no clock: the samples need the
        // time the payload was fetched (see `body_measurement_samples`).
        "body_measurement" => {
            documents::<WhoopBodyMeasurement>(kind, body)?;
        }
        other => return Err(TransformError::UnsupportedKind(other.to_owned())),
    }
    Ok(batch)
}

/// Height (cm) and weight (kg) samples of a `GET /v2/user/measurement/body` answer, stamped
/// `observed_at` (the time it was fetched: WHOOP's body measurement is the profile's current
/// value, without a time of its own).
pub fn body_measurement_samples(
    body: &[u8],
    observed_at: DateTime<Utc>,
) -> Result<Vec<Sample>, TransformError> {
    let mut samples = Vec::new();
    for doc in documents::<WhoopBodyMeasurement>("body_measurement", body)? {
        let values = [
            (SeriesType::Height, doc.height_meter.map(|m| m * 100.0)),
            (SeriesType::Weight, doc.weight_kilogram),
        ];
        samples.extend(values.into_iter().filter_map(|(series, value)| {
            Some(Sample {
                series,
                time: observed_at,
                zone_offset: None,
                value: value.filter(|v| v.is_finite() && *v > 0.0)?,
            })
        }));
    }
    Ok(samples)
}

#[derive(Deserialize)]
struct WhoopBodyMeasurement {
    #[serde(default)]
    height_meter: Option<f64>,
    #[serde(default)]
    weight_kilogram: Option<f64>,
}

#[derive(Deserialize)]
struct WhoopCycle {
    #[serde(default, deserialize_with = "opt_id")]
    id: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    timezone_offset: Option<String>,
    #[serde(default)]
    score_state: Option<String>,
    #[serde(default)]
    score: Option<CycleScore>,
}

#[derive(Deserialize)]
struct CycleScore {
    #[serde(default)]
    kilojoule: Option<f64>,
}

/// A physiological cycle (sleep onset to the next sleep onset) as the day it mostly covers.
fn cycle(doc: WhoopCycle) -> Result<DailyActivity, TransformError> {
    let id = doc.id.ok_or_else(|| missing("cycle", "?", "id"))?;
    let start_text = doc
        .start
        .as_deref()
        .ok_or_else(|| missing("cycle", &id, "start"))?;
    let start = parse_time("start", start_text)?;
    let zone_offset = offset(doc.timezone_offset.as_deref());
    let local_noon = start + chrono::Duration::hours(12);
    let date = match zone_offset.and_then(ZoneOffset::to_fixed) {
        Some(tz) => local_noon.with_timezone(&tz).date_naive(),
        None => local_noon.date_naive(),
    };
    let score = scored(doc.score_state.as_deref(), doc.score);
    Ok(DailyActivity {
        external_id: id,
        date,
        zone_offset,
        steps: None,
        active_calories_kcal: None,
        total_calories_kcal: score.and_then(|s| kcal(s.kilojoule)),
        distance_meters: None,
        active_seconds: None,
        sedentary_seconds: None,
        low_activity_seconds: None,
        medium_activity_seconds: None,
        high_activity_seconds: None,
    })
}

#[derive(Deserialize)]
struct WhoopRecovery {
    #[serde(default, deserialize_with = "opt_id")]
    cycle_id: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    score_state: Option<String>,
    #[serde(default)]
    score: Option<RecoveryScore>,
}

#[derive(Deserialize)]
struct RecoveryScore {
    #[serde(default)]
    resting_heart_rate: Option<f64>,
    /// RMSSD (not SDNN), milliseconds.
    #[serde(default)]
    hrv_rmssd_milli: Option<f64>,
    #[serde(default)]
    spo2_percentage: Option<f64>,
    /// Absolute skin temperature, not a deviation.
    #[serde(default)]
    skin_temp_celsius: Option<f64>,
}

/// A recovery's vitals, stamped when WHOOP recorded the recovery (it has no time of its own and
/// no offset). Unscored recoveries yield nothing.
fn recovery(doc: WhoopRecovery) -> Result<Vec<Sample>, TransformError> {
    let id = doc
        .cycle_id
        .ok_or_else(|| missing("recovery", "?", "cycle_id"))?;
    let created = doc
        .created_at
        .as_deref()
        .ok_or_else(|| missing("recovery", &id, "created_at"))?;
    let time = parse_time("created_at", created)?;
    let Some(score) = scored(doc.score_state.as_deref(), doc.score) else {
        return Ok(Vec::new());
    };
    let values = [
        (SeriesType::RestingHeartRate, score.resting_heart_rate),
        (SeriesType::HeartRateVariabilityRmssd, score.hrv_rmssd_milli),
        (SeriesType::OxygenSaturation, score.spo2_percentage),
        (SeriesType::SkinTemperature, score.skin_temp_celsius),
    ];
    Ok(values
        .into_iter()
        .filter_map(|(series, value)| {
            Some(Sample {
                series,
                time,
                zone_offset: None,
                value: value.filter(|v| v.is_finite())?,
            })
        })
        .collect())
}

/// The score when the record is `SCORED` (any other or unknown state: none).
fn scored<T>(state: Option<&str>, score: Option<T>) -> Option<T> {
    match state {
        Some("SCORED") | None => score,
        Some(_) => None,
    }
}

fn missing(kind: &str, id: &str, field: &str) -> TransformError {
    TransformError::Malformed(format!("{kind} `{id}`: missing {field}"))
}

/// The documents of a page (`{"records": [...]}`) or the single document `body` is.
fn documents<T: DeserializeOwned>(kind: &str, body: &[u8]) -> Result<Vec<T>, TransformError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TransformError::Malformed(format!("{kind}: not JSON: {e}")))?;
    let items = match value {
        Value::Object(mut map) if map.get("records").is_some_and(Value::is_array) => {
            match map.remove("records") {
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

/// An id written as a JSON number (cycle ids) or string (UUIDs).
fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    })
}

/// A WHOOP time: RFC 3339 (`2024-01-15T06:51:00.000Z`); one without an offset is UTC.
fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, TransformError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| t.and_utc())
        .map_err(|e| TransformError::Malformed(format!("{field} `{text}`: {e}")))
}

/// `timezone_offset` (`-05:00`, `+05:30`, `Z`); anything else is treated as unknown.
fn offset(text: Option<&str>) -> Option<ZoneOffset> {
    text.and_then(|t| t.trim().parse().ok())
}

fn kcal(kilojoule: Option<f64>) -> Option<f64> {
    kilojoule
        .filter(|v| v.is_finite())
        .map(|kj| kj / KJ_PER_KCAL)
}

/// Whole seconds from milliseconds.
fn millis_to_seconds(ms: Option<f64>) -> Option<i64> {
    ms.filter(|v| v.is_finite())
        .map(|v| (v / 1000.0).round() as i64)
}

#[cfg(test)]
mod tests;
