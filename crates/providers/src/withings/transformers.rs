//! Withings wire payloads → domain records. Pure: no I/O, no clock, no logging.
//!
//! Withings sends epoch seconds plus an IANA `timezone` name (turned into the local offset by
//! [`zones`]); measures are integers with a decimal exponent (`value × 10^unit`); durations are
//! seconds, distances and elevation meters, energy kcal, heights meters (we store centimeters).

mod activity;
mod measures;
mod sleep;
mod workout_types;
pub(crate) mod zones;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use domain::{NormalizedBatch, ZoneOffset};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::TransformError;

pub use workout_types::unified_workout_type;

/// Normalizes one payload of `kind` (see [`super::WithingsDataType`]): a Withings answer
/// `{"status":0,"body":{..}}`, or for `sleep` the `{"summary":..,"details":[..]}` envelope.
pub fn normalize(kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TransformError::Malformed(format!("{kind}: not JSON: {e}")))?;
    let mut batch = NormalizedBatch::default();
    match kind {
        "measures" => measures::push(answer_body(kind, value)?, &mut batch)?,
        "activity" => activity::push_daily(answer_body(kind, value)?, &mut batch)?,
        "intraday_activity" => activity::push_intraday(answer_body(kind, value)?, &mut batch)?,
        "workouts" => activity::push_workouts(answer_body(kind, value)?, &mut batch)?,
        "sleep" => sleep::push(value, &mut batch)?,
        other => return Err(TransformError::UnsupportedKind(other.to_owned())),
    }
    Ok(batch)
}

/// The `body` of a successful Withings answer (a bare body is accepted too).
fn answer_body(kind: &str, value: Value) -> Result<Value, TransformError> {
    let Value::Object(mut map) = value else {
        return Err(TransformError::Malformed(format!(
            "{kind}: expected a JSON object"
        )));
    };
    match map.get("status").and_then(Value::as_i64) {
        Some(0) => Ok(map.remove("body").unwrap_or(Value::Null)),
        Some(status) => Err(TransformError::Malformed(format!(
            "{kind}: Withings status {status}"
        ))),
        None => Ok(Value::Object(map)),
    }
}

/// The items of `body[field]` decoded one by one, with their index in errors.
fn items<T: DeserializeOwned>(
    kind: &str,
    body: &Value,
    field: &str,
) -> Result<Vec<T>, TransformError> {
    let list = match body.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(TransformError::Malformed(format!(
                "{kind}: `{field}` is not a list"
            )));
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            T::deserialize(item)
                .map_err(|e| TransformError::Malformed(format!("{kind}.{field}[{i}]: {e}")))
        })
        .collect()
}

/// An epoch-seconds field as an instant.
fn instant(field: &str, epoch: i64) -> Result<DateTime<Utc>, TransformError> {
    DateTime::from_timestamp(epoch, 0)
        .ok_or_else(|| TransformError::Malformed(format!("{field} {epoch} is out of range")))
}

/// The offset of an IANA zone at `at` (unknown zones: `None`).
fn offset(zone: Option<&str>, at: DateTime<Utc>) -> Option<ZoneOffset> {
    zone.and_then(|z| zones::offset_at(z, at))
}

/// The offset of an IANA zone on a local date (taken at local noon).
fn offset_on(zone: Option<&str>, date: NaiveDate) -> Option<ZoneOffset> {
    let noon = date.and_time(NaiveTime::MIN).and_utc() + TimeDelta::hours(12);
    offset(zone, noon)
}

/// A number that may arrive as `12`, `12.5` or `"12"`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
    Text(#[serde(deserialize_with = "text_number")] f64),
}

impl Number {
    fn value(self) -> Option<f64> {
        let v = match self {
            Number::Int(i) => i as f64,
            Number::Float(f) | Number::Text(f) => f,
        };
        v.is_finite().then_some(v)
    }
}

fn text_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let text = String::deserialize(d)?;
    text.trim().parse().map_err(serde::de::Error::custom)
}

fn num(value: Option<Number>) -> Option<f64> {
    value.and_then(Number::value)
}

/// Whole seconds or counts.
fn whole(value: Option<Number>) -> Option<i64> {
    num(value).map(|v| v.round() as i64)
}

/// An id that may be a number or a string.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Id {
    Int(i64),
    Text(String),
}

impl Id {
    fn text(&self) -> String {
        match self {
            Id::Int(i) => i.to_string(),
            Id::Text(s) => s.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
