//! Daily documents: activity summaries, continuous heart rate and Nightly Recharge.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, NaiveTime};
use domain::{DailyActivity, NormalizedBatch, Sample, SeriesType, ZoneOffset};
use serde::Deserialize;
use serde_json::Value;

use super::{iso_duration_seconds, local_to_utc, parse_clock, parse_date, parse_naive, whole};
use crate::error::TransformError;

/// `GET /v3/users/activities[/{date}]` item; times are the day's local bounds (no offset).
#[derive(Deserialize)]
pub(super) struct PolarActivity {
    start_time: Option<String>,
    #[serde(default)]
    active_duration: Option<String>,
    #[serde(default)]
    inactive_duration: Option<String>,
    /// kcal, basal included.
    #[serde(default)]
    calories: Option<f64>,
    #[serde(default)]
    active_calories: Option<f64>,
    #[serde(default)]
    steps: Option<f64>,
    /// Meters.
    #[serde(default)]
    distance_from_steps: Option<f64>,
}

pub(super) fn activity(doc: PolarActivity) -> Result<DailyActivity, TransformError> {
    let start = doc
        .start_time
        .as_deref()
        .ok_or_else(|| TransformError::Malformed("activity without start_time".into()))?;
    let date = parse_naive("activity start_time", start)?.date();
    let seconds = |text: &Option<String>| {
        text.as_deref()
            .and_then(iso_duration_seconds)
            .map(|s| s.round() as i64)
    };
    Ok(DailyActivity {
        external_id: format!("activity:{date}"),
        date,
        // Polar gives the day's local bounds without their offset.
        zone_offset: None,
        steps: whole(doc.steps),
        active_calories_kcal: doc.active_calories,
        total_calories_kcal: doc.calories,
        distance_meters: doc.distance_from_steps,
        active_seconds: seconds(&doc.active_duration),
        sedentary_seconds: seconds(&doc.inactive_duration),
        low_activity_seconds: None,
        medium_activity_seconds: None,
        high_activity_seconds: None,
    })
}

/// One day of continuous heart rate: `sample_time` is the device's local `HH:MM:SS` on `date`.
#[derive(Deserialize)]
pub(super) struct PolarHeartRateDay {
    date: Option<String>,
    #[serde(default)]
    heart_rate_samples: Vec<HeartRateSample>,
}

#[derive(Deserialize)]
struct HeartRateSample {
    #[serde(default)]
    heart_rate: Option<f64>,
    #[serde(default)]
    sample_time: Option<String>,
}

pub(super) fn push_heart_rate(
    doc: PolarHeartRateDay,
    offset: Option<ZoneOffset>,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let date_text = doc
        .date
        .as_deref()
        .ok_or_else(|| TransformError::Malformed("continuous heart rate without date".into()))?;
    let date = parse_date("continuous heart rate date", date_text)?;
    for sample in doc.heart_rate_samples {
        let (Some(bpm), Some(clock)) = (sample.heart_rate, sample.sample_time.as_deref()) else {
            continue;
        };
        if !bpm.is_finite() {
            continue;
        }
        let local = date.and_time(parse_clock("sample_time", clock)?);
        batch.samples.push(Sample {
            series: SeriesType::HeartRate,
            time: local_to_utc(local, offset),
            zone_offset: offset,
            value: bpm,
        });
    }
    Ok(())
}

/// Nightly Recharge of the night ending on `date`: averages over the first four hours of sleep,
/// and 5-minute samples keyed by local `HH:MM`. HRV is RMSSD (ms); breathing is breaths/min.
#[derive(Deserialize)]
pub(super) struct PolarRecharge {
    date: Option<String>,
    #[serde(default)]
    hrv_samples: BTreeMap<String, Value>,
    #[serde(default)]
    breathing_samples: BTreeMap<String, Value>,
}

pub(super) fn push_recharge(
    doc: PolarRecharge,
    offset: Option<ZoneOffset>,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let date_text = doc
        .date
        .as_deref()
        .ok_or_else(|| TransformError::Malformed("nightly recharge without date".into()))?;
    let date = parse_date("nightly recharge date", date_text)?;
    for (map, series, field) in [
        (
            &doc.hrv_samples,
            SeriesType::HeartRateVariabilityRmssd,
            "hrv_samples",
        ),
        (
            &doc.breathing_samples,
            SeriesType::RespiratoryRate,
            "breathing_samples",
        ),
    ] {
        for (key, value) in map {
            let Some(value) = value.as_f64().filter(|v| v.is_finite()) else {
                continue;
            };
            let local = night_clock(date, parse_clock(field, key)?);
            batch.samples.push(Sample {
                series,
                time: local_to_utc(local, offset),
                zone_offset: offset,
                value,
            });
        }
    }
    batch.samples.sort_by_key(|s| (s.series, s.time));
    Ok(())
}

/// A clock time of the night ending on `date`: from noon on it belongs to the evening before.
fn night_clock(date: NaiveDate, clock: NaiveTime) -> chrono::NaiveDateTime {
    let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN);
    let day = if clock >= noon {
        date.checked_sub_days(Days::new(1)).unwrap_or(date)
    } else {
        date
    };
    day.and_time(clock)
}
