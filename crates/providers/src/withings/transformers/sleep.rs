//! Sleep: `getsummary` nights (totals, heart and breathing rates) joined with the sleep `get`
//! segments (stage intervals and the hr / rr / sdnn_1 / rmssd series recorded in them).

use std::collections::BTreeSet;

use domain::{
    NormalizedBatch, Sample, SeriesType, SleepSession, SleepStage, StageInterval, ZoneOffset,
};
use serde::Deserialize;
use serde_json::Value;

use super::{Id, Number, answer_body, instant, items, num, offset, whole};
use crate::error::TransformError;

/// Sessions shorter than this are naps (Withings has no nap flag).
const NAP_MAX_SECS: i64 = 3 * 3600;

#[derive(Deserialize)]
struct Night {
    id: Id,
    #[serde(default)]
    timezone: Option<String>,
    startdate: i64,
    enddate: i64,
    #[serde(default)]
    data: Option<NightData>,
}

#[derive(Default, Deserialize)]
struct NightData {
    #[serde(default)]
    total_sleep_time: Option<Number>,
    #[serde(default)]
    sleep_efficiency: Option<Number>,
    #[serde(default)]
    wakeupduration: Option<Number>,
    #[serde(default)]
    lightsleepduration: Option<Number>,
    #[serde(default)]
    deepsleepduration: Option<Number>,
    #[serde(default)]
    remsleepduration: Option<Number>,
    #[serde(default)]
    hr_average: Option<Number>,
    #[serde(default)]
    hr_min: Option<Number>,
    #[serde(default)]
    rr_average: Option<Number>,
    #[serde(default)]
    breathing_disturbances_intensity: Option<Number>,
}

#[derive(Deserialize)]
struct Segment {
    startdate: i64,
    enddate: i64,
    state: i64,
    #[serde(default)]
    hr: Value,
    #[serde(default)]
    rr: Value,
    #[serde(default)]
    sdnn_1: Value,
    #[serde(default)]
    rmssd: Value,
}

/// Withings sleep `state` → stage; unknown values are kept as `unknown`.
fn stage(state: i64) -> SleepStage {
    match state {
        0 | 15 => SleepStage::Awake,
        1 => SleepStage::Light,
        2 => SleepStage::Deep,
        3 => SleepStage::Rem,
        4 => SleepStage::Sleeping,
        _ => SleepStage::Unknown,
    }
}

pub(super) fn push(value: Value, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let (summary, details) = match value {
        Value::Object(mut map) if map.contains_key("summary") => {
            let details = match map.remove("details") {
                Some(Value::Array(list)) => list,
                None | Some(Value::Null) => Vec::new(),
                Some(_) => {
                    return Err(TransformError::Malformed(
                        "sleep: `details` is not a list".into(),
                    ));
                }
            };
            (map.remove("summary").unwrap_or(Value::Null), details)
        }
        other => (other, Vec::new()),
    };
    let nights = items::<Night>("sleep", &answer_body("sleep", summary)?, "series")?;
    let mut segments = Vec::new();
    let mut seen = BTreeSet::new();
    for detail in details {
        for segment in items::<Segment>("sleep detail", &answer_body("sleep", detail)?, "series")? {
            if segment.enddate < segment.startdate {
                return Err(TransformError::Malformed(format!(
                    "sleep segment {}..{} ends before it starts",
                    segment.startdate, segment.enddate
                )));
            }
            // Consecutive detail ranges may both return a segment on their boundary.
            if seen.insert((segment.startdate, segment.enddate, segment.state)) {
                segments.push(segment);
            }
        }
    }
    segments.sort_by_key(|s| (s.startdate, s.enddate));

    let series = series_points(&segments)?;
    let mut spans = Vec::new();
    for night in nights {
        let (session, disturbances) = session(night, &segments, &series)?;
        spans.push((
            session.start.timestamp(),
            session.end.timestamp(),
            session.zone_offset,
        ));
        batch.sleeps.push(session);
        batch.samples.extend(disturbances);
    }
    for (series, epoch, value) in series {
        let zone_offset = spans
            .iter()
            .find(|(start, end, _)| (*start..=*end).contains(&epoch))
            .and_then(|(_, _, zone)| *zone);
        batch.samples.push(Sample {
            series,
            time: instant("sleep series", epoch)?,
            zone_offset,
            value,
        });
    }
    Ok(())
}

/// One night as a session, plus its breathing-disturbance index as a sample at wake-up.
fn session(
    night: Night,
    segments: &[Segment],
    series: &[(SeriesType, i64, f64)],
) -> Result<(SleepSession, Option<Sample>), TransformError> {
    let external_id = night.id.text();
    let start = instant("sleep startdate", night.startdate)?;
    let end = instant("sleep enddate", night.enddate)?;
    if end < start {
        return Err(TransformError::Malformed(format!(
            "sleep {external_id} ends before it starts"
        )));
    }
    let zone_offset: Option<ZoneOffset> = offset(night.timezone.as_deref(), start);
    let data = night.data.unwrap_or_default();
    let (light, deep, rem) = (
        whole(data.lightsleepduration),
        whole(data.deepsleepduration),
        whole(data.remsleepduration),
    );
    let asleep = whole(data.total_sleep_time).or(match (light, deep, rem) {
        (Some(l), Some(d), Some(r)) => Some(l + d + r),
        _ => None,
    });
    let mut stages = Vec::new();
    for segment in segments {
        let from = segment.startdate.max(night.startdate);
        let to = segment.enddate.min(night.enddate);
        if from < to {
            stages.push(StageInterval {
                stage: stage(segment.state),
                start: instant("sleep segment", from)?,
                end: instant("sleep segment", to)?,
            });
        }
    }
    let rmssd: Vec<f64> = series
        .iter()
        .filter(|(s, epoch, _)| {
            *s == SeriesType::HeartRateVariabilityRmssd
                && (night.startdate..=night.enddate).contains(epoch)
        })
        .map(|(_, _, v)| *v)
        .collect();
    let avg_hrv_rmssd_ms =
        (!rmssd.is_empty()).then(|| rmssd.iter().sum::<f64>() / rmssd.len() as f64);
    let disturbances = num(data.breathing_disturbances_intensity).map(|value| Sample {
        series: SeriesType::BreathingDisturbanceIndex,
        time: end,
        zone_offset,
        value,
    });
    let session = SleepSession {
        external_id,
        start,
        end,
        zone_offset,
        is_nap: night.enddate - night.startdate < NAP_MAX_SECS,
        sleep_duration_seconds: asleep,
        efficiency_percent: num(data.sleep_efficiency).map(percent),
        awake_seconds: whole(data.wakeupduration),
        light_seconds: light,
        deep_seconds: deep,
        rem_seconds: rem,
        avg_heart_rate_bpm: num(data.hr_average).filter(|v| *v > 0.0),
        lowest_heart_rate_bpm: num(data.hr_min).filter(|v| *v > 0.0),
        avg_hrv_rmssd_ms,
        avg_respiratory_rate: num(data.rr_average).filter(|v| *v > 0.0),
        stages,
        device: None,
    };
    Ok((session, disturbances))
}

/// `sleep_efficiency` is documented as a ratio; some answers hold a percentage.
fn percent(value: f64) -> f64 {
    if value <= 1.0 { value * 100.0 } else { value }
}

/// Every `(series, epoch, value)` point of the segments, once each, in time order.
fn series_points(segments: &[Segment]) -> Result<Vec<(SeriesType, i64, f64)>, TransformError> {
    let mut points = std::collections::BTreeMap::new();
    for segment in segments {
        let maps = [
            (SeriesType::HeartRate, &segment.hr),
            (SeriesType::RespiratoryRate, &segment.rr),
            (SeriesType::HeartRateVariabilitySdnn, &segment.sdnn_1),
            (SeriesType::HeartRateVariabilityRmssd, &segment.rmssd),
        ];
        for (series, map) in maps {
            for (epoch, value) in epoch_map(map)? {
                points.insert((epoch, series), value);
            }
        }
    }
    Ok(points
        .into_iter()
        .map(|((epoch, series), value)| (series, epoch, value))
        .collect())
}

/// `{"<epoch>": value}` (`[]`, `null` or absent when empty); zero values are gaps.
fn epoch_map(value: &Value) -> Result<Vec<(i64, f64)>, TransformError> {
    let map = match value {
        Value::Object(map) => map,
        Value::Null => return Ok(Vec::new()),
        Value::Array(list) if list.is_empty() => return Ok(Vec::new()),
        _ => {
            return Err(TransformError::Malformed(
                "sleep detail: a series is not an object".into(),
            ));
        }
    };
    let mut out = Vec::with_capacity(map.len());
    for (key, item) in map {
        let epoch: i64 = key.parse().map_err(|_| {
            TransformError::Malformed(format!("sleep detail: key `{key}` is not epoch seconds"))
        })?;
        let value = Number::deserialize(item).ok().and_then(Number::value);
        if let Some(v) = value.filter(|v| *v > 0.0) {
            out.push((epoch, v));
        }
    }
    Ok(out)
}
