//! Fitbit wire payloads → domain records. Pure: no I/O, no clock, no logging.
//!
//! Units: with the metric unit system (what we request) distances are km, weights kg, elevation
//! m, temperatures °C; durations are ms in logs and minutes in summaries. Times are the wearer's
//! local clock without an offset, except exercise log `startTime`: the offset comes from the
//! payload kind (see [`super::FitbitKind`]); without one local times are read as UTC and the
//! zone is unknown.

mod activity;
mod metrics;
mod sleep;
mod workout_types;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use domain::{NormalizedBatch, ZoneOffset};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{FitbitDataType, FitbitKind};
use crate::error::TransformError;

pub use workout_types::unified_workout_type;

/// Normalizes one Fitbit payload of `kind` (`sleep@-05:00`, `activity_log`, …).
pub fn normalize(kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
    let parsed: FitbitKind = kind
        .parse()
        .map_err(|_| TransformError::UnsupportedKind(kind.to_owned()))?;
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TransformError::Malformed(format!("{kind}: not JSON: {e}")))?;
    let clock = Clock {
        offset: parsed.offset,
    };
    let mut batch = NormalizedBatch::default();
    match parsed.data_type {
        FitbitDataType::ActivityLog => activity::logs(value, &mut batch)?,
        FitbitDataType::ActivitySummary => {
            let date = parsed.date.ok_or_else(|| {
                TransformError::Malformed(format!("{kind}: the kind names no date"))
            })?;
            activity::summary(value, date, clock, &mut batch)?;
        }
        FitbitDataType::Heart => metrics::heart(value, clock, &mut batch)?,
        FitbitDataType::Sleep => sleep::logs(value, clock, &mut batch)?,
        FitbitDataType::Hrv => metrics::hrv(value, clock, &mut batch)?,
        FitbitDataType::Spo2 => metrics::spo2(value, clock, &mut batch)?,
        FitbitDataType::Br => metrics::breathing_rate(value, clock, &mut batch)?,
        FitbitDataType::TempSkin => metrics::skin_temperature(value, clock, &mut batch)?,
        FitbitDataType::Cardioscore => metrics::cardio_score(value, clock, &mut batch)?,
        FitbitDataType::Weight => metrics::weight(value, clock, &mut batch)?,
        FitbitDataType::Fat => metrics::fat(value, clock, &mut batch)?,
    }
    Ok(batch)
}

/// The wearer's clock: local date-times to UTC with the known offset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub(crate) offset: Option<ZoneOffset>,
}

impl Clock {
    pub(crate) fn instant(self, local: NaiveDateTime) -> DateTime<Utc> {
        let shift = self.offset.map_or(0, |o| i64::from(o.seconds()));
        (local - Duration::seconds(shift)).and_utc()
    }

    pub(crate) fn midnight(self, date: NaiveDate) -> DateTime<Utc> {
        self.instant(date.and_time(NaiveTime::MIN))
    }
}

/// `2024-01-14T23:10:00.000` or `2024-01-14T23:10:00` (local, no offset).
pub(crate) fn local_date_time(field: &str, text: &str) -> Result<NaiveDateTime, TransformError> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|e| TransformError::Malformed(format!("{field} `{text}`: {e}")))
}

pub(crate) fn date(field: &str, text: &str) -> Result<NaiveDate, TransformError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|e| TransformError::Malformed(format!("{field} `{text}`: {e}")))
}

/// `HH:mm:ss` or `HH:mm`.
pub(crate) fn time_of_day(field: &str, text: &str) -> Result<NaiveTime, TransformError> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map_err(|e| TransformError::Malformed(format!("{field} `{text}`: {e}")))
}

/// A required field, or `Malformed` naming it.
pub(crate) fn required<T>(value: Option<T>, what: &str) -> Result<T, TransformError> {
    value.ok_or_else(|| TransformError::Malformed(format!("missing {what}")))
}

/// The elements of the array under `key` (absent → none).
pub(crate) fn items<T: serde::de::DeserializeOwned>(
    value: &mut Value,
    key: &str,
) -> Result<Vec<T>, TransformError> {
    let list = match value.get_mut(key).map(Value::take) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(TransformError::Malformed(format!(
                "`{key}` is not an array"
            )));
        }
    };
    list.into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item)
                .map_err(|e| TransformError::Malformed(format!("{key}[{i}]: {e}")))
        })
        .collect()
}

/// Fitbit numbers sometimes arrive as strings (`"9800"`); anything else non-numeric is `None`.
pub(crate) fn num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|v| v.is_finite()))
}

/// An id that may be a JSON number (`logId`) or a string.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s),
        _ => None,
    })
}

/// Whole seconds from minutes.
pub(crate) fn minutes_to_seconds(minutes: Option<f64>) -> Option<i64> {
    minutes.map(|m| (m * 60.0).round() as i64)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_metrics;
