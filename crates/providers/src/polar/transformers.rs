//! Polar wire payloads → domain records. Pure: no I/O, no clock, no logging.
//!
//! Unit and time traps handled here: durations are ISO 8601 (`PT1H2M3S`); exercise start times
//! are local without offset plus `start_time_utc_offset` in **minutes**; exercise speed samples
//! are km/h; sleep/recharge sample maps are keyed by local `HH:MM` and wrap past midnight (and a
//! JSON object's key order is not kept, so each key is anchored on its own); continuous heart
//! rate is keyed by local `HH:MM:SS` of its date; SpO2 tests are epoch seconds plus an offset in
//! minutes; Elixir body temperature is UTC. Energy is kcal, distance m, weight kg, height cm.

mod body;
mod daily;
mod exercise;
mod sleep;
mod sport_types;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use domain::{NormalizedBatch, ZoneOffset};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{PolarDataType, PolarKind};
use crate::error::TransformError;

pub use sport_types::unified_workout_type;

/// Normalizes one Polar payload. `kind` is a [`PolarKind`]: a data type name, for local-clock
/// types optionally followed by `@±HH:MM`, the wearer's offset the fetcher determined.
pub fn normalize(kind: &str, body: &[u8]) -> Result<NormalizedBatch, TransformError> {
    let kind: PolarKind = kind
        .parse()
        .map_err(|_| TransformError::UnsupportedKind(kind.to_owned()))?;
    let name = kind.data_type.as_str();
    let mut batch = NormalizedBatch::default();
    match kind.data_type {
        PolarDataType::Exercise => {
            for doc in documents(name, body, None)? {
                exercise::push(doc, &mut batch)?;
            }
        }
        PolarDataType::Sleep => {
            for doc in documents(name, body, Some("nights"))? {
                sleep::push(doc, &mut batch)?;
            }
        }
        PolarDataType::NightlyRecharge => {
            for doc in documents(name, body, Some("recharges"))? {
                daily::push_recharge(doc, kind.offset, &mut batch)?;
            }
        }
        PolarDataType::Activity => {
            for doc in documents(name, body, None)? {
                batch.daily_activity.push(daily::activity(doc)?);
            }
        }
        PolarDataType::ContinuousHeartRate => {
            for doc in documents(name, body, Some("heart_rates"))? {
                daily::push_heart_rate(doc, kind.offset, &mut batch)?;
            }
        }
        PolarDataType::BodyTemperature => {
            for doc in documents(name, body, None)? {
                body::push_body_temperature(doc, &mut batch)?;
            }
        }
        PolarDataType::SkinTemperature => {
            for doc in documents(name, body, None)? {
                body::push_skin_temperature(doc, kind.offset, &mut batch)?;
            }
        }
        PolarDataType::Spo2 => {
            for doc in documents(name, body, None)? {
                body::push_spo2(doc, &mut batch)?;
            }
        }
        PolarDataType::PhysicalInfo => {
            for doc in documents(name, body, None)? {
                body::push_physical_info(doc, &mut batch)?;
            }
        }
    }
    Ok(batch)
}

/// The documents of a payload: a JSON array, an object wrapping an array under `wrapper`
/// (`{"nights": [..]}`), or one document.
fn documents<T: DeserializeOwned>(
    kind: &str,
    body: &[u8],
    wrapper: Option<&str>,
) -> Result<Vec<T>, TransformError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TransformError::Malformed(format!("{kind}: not JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match wrapper.and_then(|w| map.remove(w)) {
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(TransformError::Malformed(format!(
                    "{kind}: `{}` is not an array",
                    wrapper.unwrap_or_default()
                )));
            }
            None => vec![Value::Object(map)],
        },
        _ => {
            return Err(TransformError::Malformed(format!(
                "{kind}: expected a JSON object or array"
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

/// `YYYY-MM-DD`.
fn parse_date(field: &str, text: &str) -> Result<NaiveDate, TransformError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|e| TransformError::Malformed(format!("{field} `{text}`: {e}")))
}

/// A date-time without offset (`2024-01-15T08:00:00`, fractions allowed).
fn parse_naive(field: &str, text: &str) -> Result<NaiveDateTime, TransformError> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .map_err(|e| TransformError::Malformed(format!("{field} `{text}`: {e}")))
}

/// A local wall-clock time in `offset` (unknown: taken as UTC) as a UTC instant.
fn local_to_utc(local: NaiveDateTime, offset: Option<ZoneOffset>) -> DateTime<Utc> {
    let seconds = offset.map_or(0, |o| i64::from(o.seconds()));
    (local - TimeDelta::seconds(seconds)).and_utc()
}

/// A `HH:MM` or `HH:MM:SS` clock key.
fn parse_clock(field: &str, text: &str) -> Result<NaiveTime, TransformError> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map_err(|e| TransformError::Malformed(format!("{field} key `{text}`: {e}")))
}

/// The first local date-time at or after `anchor`'s minute whose clock reads `clock` (so keys of
/// a night map past midnight onto the next day, whatever order they arrive in).
fn on_or_after(anchor: NaiveDateTime, clock: NaiveTime) -> NaiveDateTime {
    let floor = anchor
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(anchor);
    let same_day = anchor.date().and_time(clock);
    if same_day >= floor {
        same_day
    } else {
        anchor
            .date()
            .checked_add_days(Days::new(1))
            .map_or(same_day, |next| next.and_time(clock))
    }
}

/// Seconds of an ISO 8601 duration such as `PT1H0M0S`, `PT10M`, `PT0.5S` or `P1DT2H`.
fn iso_duration_seconds(text: &str) -> Option<f64> {
    let rest = text.trim().strip_prefix('P')?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut total = 0.0;
    let mut any = false;
    for (part, units) in [
        (date_part, &[('W', 604_800.0), ('D', 86_400.0)][..]),
        (time_part, &[('H', 3_600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let factor = units.iter().find(|(u, _)| *u == c)?.1;
            total += number.parse::<f64>().ok()? * factor;
            number.clear();
            any = true;
        }
        if !number.is_empty() {
            return None;
        }
    }
    any.then_some(total)
}

/// A finite JSON number, rounded to whole units.
fn whole(value: Option<f64>) -> Option<i64> {
    value.filter(|v| v.is_finite()).map(|v| v.round() as i64)
}

#[cfg(test)]
mod tests;
