//! Exercise logs → `Workout`; the daily summary → `DailyActivity` (+ floors).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use domain::{DailyActivity, NormalizedBatch, Sample, SeriesType, Workout, ZoneOffset};
use serde::Deserialize;
use serde_json::Value;

use super::{Clock, id, items, minutes_to_seconds, num, required, unified_workout_type};
use crate::error::TransformError;

const METERS_PER_MILE: f64 = 1_609.344;
const METERS_PER_FOOT: f64 = 0.3048;
const METERS_PER_YARD: f64 = 0.9144;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActivityLog {
    #[serde(default, deserialize_with = "id")]
    log_id: Option<String>,
    #[serde(default)]
    activity_name: Option<String>,
    #[serde(default, deserialize_with = "num")]
    activity_type_id: Option<f64>,
    /// `2024-01-15T08:00:00.000-05:00`: the only Fitbit time with an offset.
    #[serde(default)]
    start_time: Option<String>,
    /// Milliseconds.
    #[serde(default, deserialize_with = "num")]
    duration: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    calories: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    distance: Option<f64>,
    /// `Kilometer`, `Mile`, `Meter`, `Yard` (absent: the requested metric system, km).
    #[serde(default)]
    distance_unit: Option<String>,
    #[serde(default, deserialize_with = "num")]
    average_heart_rate: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    elevation_gain: Option<f64>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(default)]
    name: Option<String>,
}

/// A list page `{"activities": [...], "pagination": ..}` or one log.
pub(super) fn logs(mut value: Value, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let logs: Vec<ActivityLog> = if value.get("logId").is_some() {
        vec![
            serde_json::from_value(value)
                .map_err(|e| TransformError::Malformed(format!("activity log: {e}")))?,
        ]
    } else if value.get("activities").is_some() {
        items(&mut value, "activities")?
    } else {
        return Err(TransformError::Malformed(
            "activity_log: expected `activities` or a log".into(),
        ));
    };
    for log in logs {
        batch.workouts.push(workout(log)?);
    }
    Ok(())
}

fn workout(log: ActivityLog) -> Result<Workout, TransformError> {
    let external_id = required(log.log_id, "activity logId")?;
    let start_text = required(log.start_time, "activity startTime")?;
    let local: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(start_text.trim())
        .map_err(|e| TransformError::Malformed(format!("startTime `{start_text}`: {e}")))?;
    let duration_ms = required(log.duration, "activity duration")?;
    if duration_ms < 0.0 {
        return Err(TransformError::Malformed(format!(
            "activity `{external_id}`: negative duration"
        )));
    }
    let start = local.with_timezone(&Utc);
    let end = start + Duration::milliseconds(duration_ms.round() as i64);
    let unit = log.distance_unit.as_deref().map(str::to_ascii_lowercase);
    let (distance_factor, elevation_factor) = match unit.as_deref() {
        None | Some("kilometer" | "kilometers" | "km") => (Some(1_000.0), 1.0),
        Some("mile" | "miles" | "mi") => (Some(METERS_PER_MILE), METERS_PER_FOOT),
        Some("meter" | "meters" | "m") => (Some(1.0), 1.0),
        Some("yard" | "yards" | "yd") => (Some(METERS_PER_YARD), METERS_PER_FOOT),
        Some(_) => (None, 1.0),
    };
    let name = log.activity_name.filter(|n| !n.trim().is_empty());
    let type_id = log.activity_type_id.map(|v| v as i64);
    Ok(Workout {
        workout_type: unified_workout_type(type_id, name.as_deref()).to_owned(),
        name,
        start,
        end,
        zone_offset: Some(ZoneOffset::of(&local)),
        calories_kcal: log.calories,
        distance_meters: log
            .distance
            .zip(distance_factor)
            .map(|(d, factor)| d * factor),
        avg_heart_rate_bpm: log.average_heart_rate.filter(|hr| *hr > 0.0),
        max_heart_rate_bpm: None,
        elevation_gain_meters: log.elevation_gain.map(|e| e * elevation_factor),
        device: log.source.and_then(|s| s.name).filter(|n| !n.is_empty()),
        external_id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    #[serde(default, deserialize_with = "num")]
    steps: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    calories_out: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    activity_calories: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    sedentary_minutes: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    lightly_active_minutes: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    fairly_active_minutes: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    very_active_minutes: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    floors: Option<f64>,
    #[serde(default)]
    distances: Vec<Distance>,
}

#[derive(Deserialize)]
struct Distance {
    #[serde(default)]
    activity: Option<String>,
    /// Kilometers (metric unit system).
    #[serde(default, deserialize_with = "num")]
    distance: Option<f64>,
}

/// `{"activities": [..], "goals": {..}, "summary": {..}}` of local day `date`.
pub(super) fn summary(
    mut value: Value,
    date: NaiveDate,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let raw = value
        .get_mut("summary")
        .map(Value::take)
        .filter(Value::is_object)
        .ok_or_else(|| TransformError::Malformed("activity_summary: missing `summary`".into()))?;
    let s: Summary = serde_json::from_value(raw)
        .map_err(|e| TransformError::Malformed(format!("activity_summary: {e}")))?;
    let low = minutes_to_seconds(s.lightly_active_minutes);
    let medium = minutes_to_seconds(s.fairly_active_minutes);
    let high = minutes_to_seconds(s.very_active_minutes);
    let active_seconds = match (low, medium, high) {
        (None, None, None) => None,
        (l, m, h) => Some(l.unwrap_or(0) + m.unwrap_or(0) + h.unwrap_or(0)),
    };
    let distance_km = s
        .distances
        .iter()
        .find(|d| d.activity.as_deref() == Some("total"))
        .and_then(|d| d.distance);
    if let Some(floors) = s.floors {
        batch.samples.push(Sample {
            series: SeriesType::FlightsClimbed,
            time: clock.midnight(date),
            zone_offset: clock.offset,
            value: floors,
        });
    }
    batch.daily_activity.push(DailyActivity {
        external_id: date.format("%Y-%m-%d").to_string(),
        date,
        zone_offset: clock.offset,
        steps: s.steps.map(|v| v.round() as i64),
        active_calories_kcal: s.activity_calories,
        total_calories_kcal: s.calories_out,
        distance_meters: distance_km.map(|km| km * 1_000.0),
        active_seconds,
        sedentary_seconds: minutes_to_seconds(s.sedentary_minutes),
        low_activity_seconds: low,
        medium_activity_seconds: medium,
        high_activity_seconds: high,
    });
    Ok(())
}
