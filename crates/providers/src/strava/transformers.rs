//! Strava wire payloads → domain records. Pure: no I/O, no clock, no logging.
//!
//! Strava reports seconds, meters and m/s (our canonical units). Times are UTC (`start_date`);
//! the local offset is `utc_offset` in seconds (a float). `start_date_local` is local wall time
//! with a misleading `Z` and is only used to derive the offset when `utc_offset` is missing.

mod sport_types;
mod streams;

use chrono::{DateTime, NaiveDateTime, Utc};
use domain::{NormalizedBatch, Sample, SeriesType, Workout, ZoneOffset};
use serde::Deserialize;
use serde_json::Value;

use crate::error::TransformError;

pub use sport_types::unified_workout_type;

/// Normalizes one Strava payload of `kind` (`activity`, `activity_streams`, `athlete`).
pub fn normalize(kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
    let mut batch = NormalizedBatch::default();
    match kind {
        "activity" => {
            for activity in activities(body)? {
                batch.workouts.push(workout(activity)?);
            }
        }
        "activity_streams" => batch.samples = streams::samples(body)?,
        "athlete" => batch.samples = athlete_samples(body)?,
        other => return Err(TransformError::UnsupportedKind(other.to_owned())),
    }
    Ok(batch)
}

/// A SummaryActivity (list pages) or DetailedActivity (`GET /activities/{id}`); every field
/// optional so that a missing one is reported as `Malformed` with its name.
#[derive(Debug, Deserialize)]
struct StravaActivity {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    legacy_type: Option<String>,
    #[serde(default)]
    sport_type: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    start_date_local: Option<String>,
    #[serde(default)]
    utc_offset: Option<f64>,
    #[serde(default)]
    elapsed_time: Option<f64>,
    #[serde(default)]
    distance: Option<f64>,
    #[serde(default)]
    total_elevation_gain: Option<f64>,
    #[serde(default)]
    has_heartrate: Option<bool>,
    #[serde(default)]
    average_heartrate: Option<f64>,
    #[serde(default)]
    max_heartrate: Option<f64>,
    /// kcal; only in the detailed representation.
    #[serde(default)]
    calories: Option<f64>,
    #[serde(default)]
    device_name: Option<String>,
}

fn malformed(what: impl Into<String>) -> TransformError {
    TransformError::Malformed(what.into())
}

/// A JSON array (a list page) or a single object.
fn activities(body: &[u8]) -> Result<Vec<StravaActivity>, TransformError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| malformed(format!("strava activity: {e}")))?;
    let parse = |v: Value| {
        serde_json::from_value::<StravaActivity>(v)
            .map_err(|e| malformed(format!("strava activity: {e}")))
    };
    match value {
        Value::Array(items) => items.into_iter().map(parse).collect(),
        object @ Value::Object(_) => Ok(vec![parse(object)?]),
        _ => Err(malformed("strava activity: neither an object nor an array")),
    }
}

/// An id as text (`154504250376823`), or `Malformed`.
pub(crate) fn id_text(id: Option<&Value>, what: &str) -> Result<String, TransformError> {
    match id {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(malformed(format!("{what} has no id"))),
    }
}

pub(crate) fn parse_utc(field: &str, raw: &str) -> Result<DateTime<Utc>, TransformError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| malformed(format!("{field} `{raw}`: {e}")))
}

/// The offset from `utc_offset` (seconds), else `start_date_local - start_date`.
pub(crate) fn zone_offset(
    utc_offset: Option<f64>,
    start: DateTime<Utc>,
    start_local: Option<&str>,
) -> Option<ZoneOffset> {
    if let Some(seconds) = utc_offset.filter(|s| s.is_finite()) {
        return ZoneOffset::from_seconds(seconds.round() as i64).ok();
    }
    // The local wall time carries a fake `Z`: read it as a naive date-time.
    let local = start_local?.trim_end_matches('Z');
    let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let seconds = (local - start.naive_utc()).num_seconds();
    // Offsets are whole minutes; round away clock noise.
    ZoneOffset::from_seconds((seconds as f64 / 60.0).round() as i64 * 60).ok()
}

fn positive(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v > 0.0)
}

fn workout(a: StravaActivity) -> Result<Workout, TransformError> {
    let external_id = id_text(a.id.as_ref(), "strava activity")?;
    let start_raw = a
        .start_date
        .as_deref()
        .ok_or_else(|| malformed(format!("strava activity {external_id} has no start_date")))?;
    let start = parse_utc("start_date", start_raw)?;
    let elapsed = a
        .elapsed_time
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| malformed(format!("strava activity {external_id} has no elapsed_time")))?;
    let end = start + chrono::Duration::seconds(elapsed.round() as i64);
    let sport = a.sport_type.as_deref().map(unified_workout_type);
    let legacy = a.legacy_type.as_deref().map(unified_workout_type);
    let workout_type = match (sport, legacy) {
        (Some(t), _) if t != "other" => t,
        (_, Some(t)) => t,
        (Some(t), None) => t,
        (None, None) => "other",
    };
    // `has_heartrate: false` means any heart-rate fields are not to be trusted.
    let hr = |v: Option<f64>| positive(v).filter(|_| a.has_heartrate != Some(false));
    Ok(Workout {
        external_id,
        workout_type: workout_type.to_owned(),
        name: a.name.filter(|n| !n.is_empty()),
        start,
        end,
        zone_offset: zone_offset(a.utc_offset, start, a.start_date_local.as_deref()),
        calories_kcal: positive(a.calories),
        distance_meters: positive(a.distance),
        avg_heart_rate_bpm: hr(a.average_heartrate),
        max_heart_rate_bpm: hr(a.max_heartrate),
        elevation_gain_meters: a
            .total_elevation_gain
            .filter(|v| v.is_finite() && *v >= 0.0),
        device: a.device_name.filter(|d| !d.is_empty()),
    })
}

/// `GET /athlete`: `weight` (kg) at `updated_at`. No weight, or no time to place it, is no sample.
#[derive(Debug, Deserialize)]
struct StravaAthlete {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default)]
    updated_at: Option<String>,
}

fn athlete_samples(body: &[u8]) -> Result<Vec<Sample>, TransformError> {
    let athlete: StravaAthlete =
        serde_json::from_slice(body).map_err(|e| malformed(format!("strava athlete: {e}")))?;
    id_text(athlete.id.as_ref(), "strava athlete")?;
    let (Some(weight), Some(updated_at)) = (positive(athlete.weight), athlete.updated_at) else {
        return Ok(Vec::new());
    };
    Ok(vec![Sample {
        series: SeriesType::Weight,
        time: parse_utc("updated_at", &updated_at)?,
        zone_offset: None,
        value: weight,
    }])
}

#[cfg(test)]
mod tests;
