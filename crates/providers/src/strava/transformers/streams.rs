//! Activity streams → samples. The payload is the envelope built by the client:
//! `{"activity_id":..,"start_date":"..","utc_offset":..,"streams":<Strava's response>}`, where the
//! response is keyed by type (`key_by_type=true`: `{"time":{"data":[..]},..}`) or, tolerated, a
//! list of `{"type":"time","data":[..]}`. `time` is seconds since the start.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{Sample, SeriesType, ZoneOffset};
use serde::Deserialize;
use serde_json::Value;

use super::{id_text, malformed, parse_utc, zone_offset};
use crate::error::TransformError;

/// Streams that map to one series each, with Strava's units already canonical: bpm, m/s,
/// rpm (running cadence is per leg, as Strava reports it), watts, meters.
const SCALAR_STREAMS: [(&str, SeriesType); 5] = [
    ("heartrate", SeriesType::HeartRate),
    ("velocity_smooth", SeriesType::Speed),
    ("cadence", SeriesType::Cadence),
    ("watts", SeriesType::Power),
    ("altitude", SeriesType::Elevation),
];

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    activity_id: Option<Value>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    utc_offset: Option<f64>,
    #[serde(default)]
    streams: Value,
}

/// The `data` arrays by stream type.
fn data(stream: &Value) -> Option<&[Value]> {
    stream
        .get("data")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

fn by_type(streams: &Value) -> Result<HashMap<&str, &[Value]>, TransformError> {
    let mut map = HashMap::new();
    match streams {
        Value::Object(keyed) => {
            for (name, stream) in keyed {
                if let Some(values) = data(stream) {
                    map.insert(name.as_str(), values);
                }
            }
        }
        Value::Array(list) => {
            for stream in list {
                if let (Some(name), Some(values)) =
                    (stream.get("type").and_then(Value::as_str), data(stream))
                {
                    map.insert(name, values);
                }
            }
        }
        Value::Null => {}
        _ => return Err(malformed("strava streams: neither an object nor a list")),
    }
    Ok(map)
}

pub(super) fn samples(body: &[u8]) -> Result<Vec<Sample>, TransformError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| malformed(format!("strava streams: {e}")))?;
    let activity = id_text(envelope.activity_id.as_ref(), "strava streams")?;
    let streams = by_type(&envelope.streams)?;
    if streams.is_empty() {
        return Ok(Vec::new());
    }
    let start_raw = envelope
        .start_date
        .as_deref()
        .ok_or_else(|| malformed(format!("streams of {activity} have no start_date")))?;
    let start = parse_utc("start_date", start_raw)?;
    let offset = zone_offset(envelope.utc_offset, start, None);
    let times = streams
        .get("time")
        .ok_or_else(|| malformed(format!("streams of {activity} have no time stream")))?;
    let times: Vec<Option<DateTime<Utc>>> = times
        .iter()
        .map(|t| {
            let seconds = t.as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
            Some(start + chrono::Duration::milliseconds((seconds * 1000.0).round() as i64))
        })
        .collect();

    let mut out = Vec::new();
    for (name, series) in SCALAR_STREAMS {
        let Some(values) = streams.get(name) else {
            continue;
        };
        for (time, value) in times.iter().zip(values.iter()) {
            if let (Some(time), Some(value)) = (time, value.as_f64()) {
                out.push(sample(series, *time, offset, value));
            }
        }
    }
    if let Some(points) = streams.get("latlng") {
        for (series, index) in [(SeriesType::Latitude, 0), (SeriesType::Longitude, 1)] {
            for (time, point) in times.iter().zip(points.iter()) {
                let value = point.get(index).and_then(Value::as_f64);
                if let (Some(time), Some(value)) = (time, value) {
                    out.push(sample(series, *time, offset, value));
                }
            }
        }
    }
    Ok(out)
}

fn sample(
    series: SeriesType,
    time: DateTime<Utc>,
    zone_offset: Option<ZoneOffset>,
    value: f64,
) -> Sample {
    Sample {
        series,
        time,
        zone_offset,
        value,
    }
}
