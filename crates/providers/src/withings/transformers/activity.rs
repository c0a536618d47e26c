//! `getactivity` → daily activity, `getintradayactivity` → samples, `getworkouts` → workouts.

use chrono::NaiveDate;
use domain::{DailyActivity, NormalizedBatch, Sample, SeriesType, Workout};
use serde::Deserialize;
use serde_json::Value;

use super::{Id, Number, instant, items, num, offset, offset_on, unified_workout_type, whole};
use crate::error::TransformError;

#[derive(Deserialize)]
struct Daily {
    date: String,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    steps: Option<Number>,
    /// Meters.
    #[serde(default)]
    distance: Option<Number>,
    /// Seconds of soft / moderate / intense activity; `active` = moderate + intense.
    #[serde(default)]
    soft: Option<Number>,
    #[serde(default)]
    moderate: Option<Number>,
    #[serde(default)]
    intense: Option<Number>,
    #[serde(default)]
    active: Option<Number>,
    /// Active kcal.
    #[serde(default)]
    calories: Option<Number>,
    #[serde(default)]
    totalcalories: Option<Number>,
}

pub(super) fn push_daily(body: Value, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    for day in items::<Daily>("activity", &body, "activities")? {
        let date = NaiveDate::parse_from_str(&day.date, "%Y-%m-%d")
            .map_err(|e| TransformError::Malformed(format!("activity date `{}`: {e}", day.date)))?;
        let (low, medium, high) = (whole(day.soft), whole(day.moderate), whole(day.intense));
        let active_seconds = whole(day.active).or(match (medium, high) {
            (Some(m), Some(h)) => Some(m + h),
            _ => None,
        });
        batch.daily_activity.push(DailyActivity {
            // One aggregated document per local day.
            external_id: format!("activity:{}", day.date),
            date,
            zone_offset: offset_on(day.timezone.as_deref(), date),
            steps: whole(day.steps),
            active_calories_kcal: num(day.calories),
            total_calories_kcal: num(day.totalcalories),
            distance_meters: num(day.distance),
            active_seconds,
            sedentary_seconds: None,
            low_activity_seconds: low,
            medium_activity_seconds: medium,
            high_activity_seconds: high,
        });
    }
    Ok(())
}

#[derive(Deserialize)]
struct Intraday {
    #[serde(default)]
    heart_rate: Option<Number>,
    #[serde(default)]
    steps: Option<Number>,
    #[serde(default)]
    calories: Option<Number>,
    #[serde(default)]
    distance: Option<Number>,
    #[serde(default)]
    spo2_auto: Option<Number>,
}

/// `body.series` is `{"<epoch>": {..}}` (or `[]` when empty). Intraday data has no zone.
pub(super) fn push_intraday(
    body: Value,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let series = match body.get("series") {
        Some(Value::Object(map)) => map,
        Some(Value::Array(list)) if list.is_empty() => return Ok(()),
        None | Some(Value::Null) => return Ok(()),
        Some(_) => {
            return Err(TransformError::Malformed(
                "intraday_activity: `series` is not an object".into(),
            ));
        }
    };
    let mut samples = Vec::new();
    for (key, item) in series {
        let epoch: i64 = key.parse().map_err(|_| {
            TransformError::Malformed(format!(
                "intraday_activity: key `{key}` is not epoch seconds"
            ))
        })?;
        let time = instant("intraday_activity", epoch)?;
        let point = Intraday::deserialize(item)
            .map_err(|e| TransformError::Malformed(format!("intraday_activity[{key}]: {e}")))?;
        let values = [
            (SeriesType::HeartRate, point.heart_rate),
            (SeriesType::Steps, point.steps),
            (SeriesType::Energy, point.calories),
            (SeriesType::DistanceWalkingRunning, point.distance),
            (SeriesType::OxygenSaturation, point.spo2_auto),
        ];
        for (series, value) in values {
            if let Some(value) = num(value).filter(|v| *v > 0.0) {
                samples.push(Sample {
                    series,
                    time,
                    zone_offset: None,
                    value,
                });
            }
        }
    }
    samples.sort_by_key(|s| (s.time, s.series));
    batch.samples.extend(samples);
    Ok(())
}

#[derive(Deserialize)]
struct WorkoutDoc {
    id: Id,
    #[serde(default)]
    category: Option<i64>,
    #[serde(default)]
    timezone: Option<String>,
    startdate: i64,
    enddate: i64,
    #[serde(default)]
    data: Option<WorkoutData>,
}

#[derive(Default, Deserialize)]
struct WorkoutData {
    #[serde(default)]
    calories: Option<Number>,
    #[serde(default)]
    manual_calories: Option<Number>,
    #[serde(default)]
    distance: Option<Number>,
    #[serde(default)]
    manual_distance: Option<Number>,
    #[serde(default)]
    hr_average: Option<Number>,
    #[serde(default)]
    hr_max: Option<Number>,
    #[serde(default)]
    elevation: Option<Number>,
}

/// The first of the values that is present and positive (measured before manual).
fn first_positive(values: &[Option<Number>]) -> Option<f64> {
    values.iter().find_map(|v| num(*v).filter(|v| *v > 0.0))
}

pub(super) fn push_workouts(
    body: Value,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    for doc in items::<WorkoutDoc>("workouts", &body, "series")? {
        let external_id = doc.id.text();
        let start = instant("workout startdate", doc.startdate)?;
        let end = instant("workout enddate", doc.enddate)?;
        if end < start {
            return Err(TransformError::Malformed(format!(
                "workout {external_id} ends before it starts"
            )));
        }
        let data = doc.data.unwrap_or_default();
        batch.workouts.push(Workout {
            external_id,
            workout_type: unified_workout_type(doc.category).to_owned(),
            name: None,
            start,
            end,
            zone_offset: offset(doc.timezone.as_deref(), start),
            calories_kcal: first_positive(&[data.calories, data.manual_calories]),
            distance_meters: first_positive(&[data.distance, data.manual_distance]),
            avg_heart_rate_bpm: first_positive(&[data.hr_average]),
            max_heart_rate_bpm: first_positive(&[data.hr_max]),
            elevation_gain_meters: num(data.elevation).filter(|v| *v >= 0.0),
            device: None,
        });
    }
    Ok(())
}
