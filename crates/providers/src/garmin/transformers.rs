//! Garmin wire payloads → domain records. Pure: no I/O, no clock, no logging.
//!
//! Garmin times are epoch seconds UTC with a separate `...OffsetInSeconds` local offset (kept as
//! `zone_offset`); time-offset maps (`timeOffset*`, `hrvValues`) are keyed by seconds after the
//! summary's start. Units are already canonical except body composition (grams → kg) and sample
//! durations (seconds → minutes for `active_time`). Negative stress/body-battery values are
//! "no data" sentinels and are skipped.

mod activities;
mod body;
mod sleep;
mod vitals;
mod wellness;
mod workout_types;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{NormalizedBatch, Sample, SeriesType, ZoneOffset};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::GarminDataType;
use crate::error::TransformError;

pub use workout_types::unified_workout_type;

/// Normalizes one Garmin payload of `kind` (a webhook list key such as `dailies`, or its REST
/// alias): a single pushed item, a pulled JSON array of items, or a webhook envelope
/// `{"<kind>": [..]}`.
pub fn normalize(kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
    let data_type: GarminDataType = kind
        .parse()
        .map_err(|_| TransformError::UnsupportedKind(kind.to_owned()))?;
    let mut batch = NormalizedBatch::default();
    match data_type {
        GarminDataType::Activities | GarminDataType::ManuallyUpdatedActivities => {
            for doc in items(data_type, body)? {
                activities::push_summary(doc, &mut batch)?;
            }
        }
        GarminDataType::ActivityDetails => {
            for doc in items(data_type, body)? {
                activities::push_details(doc, &mut batch)?;
            }
        }
        GarminDataType::Dailies => each(data_type, body, &mut batch, wellness::dailies)?,
        GarminDataType::Epochs => each(data_type, body, &mut batch, wellness::epochs)?,
        GarminDataType::Sleeps => each(data_type, body, &mut batch, sleep::push)?,
        GarminDataType::StressDetails => each(data_type, body, &mut batch, vitals::stress)?,
        GarminDataType::Respiration => each(data_type, body, &mut batch, vitals::respiration)?,
        GarminDataType::PulseOx => each(data_type, body, &mut batch, vitals::pulse_ox)?,
        GarminDataType::Hrv => each(data_type, body, &mut batch, vitals::hrv)?,
        GarminDataType::SkinTemp => each(data_type, body, &mut batch, vitals::skin_temp)?,
        GarminDataType::HealthSnapshot => each(data_type, body, &mut batch, vitals::snapshot)?,
        GarminDataType::BodyComps => each(data_type, body, &mut batch, body::body_comp)?,
        GarminDataType::BloodPressures => each(data_type, body, &mut batch, body::blood_pressure)?,
        GarminDataType::UserMetrics => each(data_type, body, &mut batch, body::user_metrics)?,
    }
    Ok(batch)
}

/// Runs `push` over every item of `body`.
fn each<T: DeserializeOwned>(
    data_type: GarminDataType,
    body: &[u8],
    batch: &mut NormalizedBatch,
    push: fn(T, &mut NormalizedBatch) -> Result<(), TransformError>,
) -> Result<(), TransformError> {
    for doc in items::<T>(data_type, body)? {
        push(doc, batch)?;
    }
    Ok(())
}

/// The items of a pulled array, a webhook envelope, or the single item `body` is.
fn items<T: DeserializeOwned>(
    data_type: GarminDataType,
    body: &[u8],
) -> Result<Vec<T>, TransformError> {
    let kind = data_type.as_str();
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TransformError::Malformed(format!("{kind}: not JSON: {e}")))?;
    let list = match value {
        Value::Array(list) => list,
        Value::Object(mut map) => {
            let envelope = [kind, data_type.path()]
                .into_iter()
                .find(|key| map.get(*key).is_some_and(Value::is_array));
            match envelope.and_then(|key| map.remove(key)) {
                Some(Value::Array(list)) => list,
                _ => vec![Value::Object(map)],
            }
        }
        _ => {
            return Err(TransformError::Malformed(format!(
                "{kind}: expected a JSON object or array"
            )));
        }
    };
    list.into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item)
                .map_err(|e| TransformError::Malformed(format!("{kind}[{i}]: {e}")))
        })
        .collect()
}

/// An epoch-seconds field (Garmin sends some as floats) as a UTC instant; missing is malformed.
fn instant(what: &str, field: &str, secs: Option<f64>) -> Result<DateTime<Utc>, TransformError> {
    let secs = secs.ok_or_else(|| TransformError::Malformed(format!("{what}: missing {field}")))?;
    at(secs).ok_or_else(|| TransformError::Malformed(format!("{what}: {field} {secs} is invalid")))
}

/// Epoch seconds as an instant (sub-second precision kept).
fn at(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() {
        return None;
    }
    DateTime::from_timestamp_millis((secs * 1000.0).round() as i64)
}

/// A Garmin local offset; one outside ±18 h (devices allow up to 24 h) is dropped, not an error.
fn zone(offset_secs: Option<f64>) -> Option<ZoneOffset> {
    offset_secs
        .filter(|s| s.is_finite())
        .and_then(|s| ZoneOffset::from_seconds(s.round() as i64).ok())
}

/// Whole seconds (or counts) from a number that may arrive as `123` or `123.0`.
fn whole(value: Option<f64>) -> Option<i64> {
    value.filter(|v| v.is_finite()).map(|v| v.round() as i64)
}

/// A summary id that may arrive as a string or a number; `None` when absent or empty.
fn id_text(value: &Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// `(offset seconds, value)` pairs of a `timeOffset*` map, ordered; unparsable keys and
/// non-numeric values are skipped.
fn offset_values(map: &BTreeMap<String, Value>) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, f64)> = map
        .iter()
        .filter_map(|(key, value)| {
            let offset: f64 = key.trim().parse().ok()?;
            let value = value.as_f64()?;
            (offset.is_finite() && value.is_finite()).then_some((offset, value))
        })
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs
}

/// Samples of `series` at `start + offset` for each kept value of a time-offset map.
fn map_samples(
    series: SeriesType,
    start: DateTime<Utc>,
    zone_offset: Option<ZoneOffset>,
    map: &BTreeMap<String, Value>,
    keep: impl Fn(f64) -> bool,
) -> Vec<Sample> {
    offset_values(map)
        .into_iter()
        .filter(|(_, value)| keep(*value))
        .filter_map(|(offset, value)| {
            let time = start.checked_add_signed(chrono::Duration::milliseconds(
                (offset * 1000.0).round() as i64,
            ))?;
            Some(Sample {
                series,
                time,
                zone_offset,
                value,
            })
        })
        .collect()
}

/// One sample, unless the value is missing or not finite.
fn sample(
    series: SeriesType,
    time: DateTime<Utc>,
    zone_offset: Option<ZoneOffset>,
    value: Option<f64>,
) -> Option<Sample> {
    let value = value.filter(|v| v.is_finite())?;
    Some(Sample {
        series,
        time,
        zone_offset,
        value,
    })
}

#[cfg(test)]
mod tests;
