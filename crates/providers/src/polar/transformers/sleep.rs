//! Polar nights (Sleep Plus Stages) → `SleepSession` with hypnogram stage intervals, plus the
//! night's 5-minute heart-rate samples.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use domain::{
    NormalizedBatch, Sample, SeriesType, SleepSession, SleepStage, StageInterval, ZoneOffset,
};
use serde::Deserialize;
use serde_json::Value;

use super::{local_to_utc, on_or_after, parse_clock, parse_date, whole};
use crate::error::TransformError;

#[derive(Deserialize)]
pub(super) struct PolarSleep {
    /// The night's result date (the day it ends on); Polar's key for the night.
    date: Option<String>,
    sleep_start_time: Option<String>,
    sleep_end_time: Option<String>,
    #[serde(default)]
    device_id: Option<String>,
    /// Seconds; light = N1 + N2.
    #[serde(default)]
    light_sleep: Option<f64>,
    #[serde(default)]
    deep_sleep: Option<f64>,
    #[serde(default)]
    rem_sleep: Option<f64>,
    #[serde(default)]
    unrecognized_sleep_stage: Option<f64>,
    /// Seconds awake between falling asleep and waking up.
    #[serde(default)]
    total_interruption_duration: Option<f64>,
    /// Local `HH:MM` → stage from then on (0 wake, 1 REM, 2 lighter non-REM, 3 light non-REM,
    /// 4 deep non-REM, 5 unknown).
    #[serde(default)]
    hypnogram: BTreeMap<String, Value>,
    /// Local `HH:MM` → bpm.
    #[serde(default)]
    heart_rate_samples: BTreeMap<String, Value>,
}

fn stage(code: &Value) -> SleepStage {
    match code.as_i64() {
        Some(0) => SleepStage::Awake,
        Some(1) => SleepStage::Rem,
        Some(2 | 3) => SleepStage::Light,
        Some(4) => SleepStage::Deep,
        _ => SleepStage::Unknown,
    }
}

pub(super) fn push(doc: PolarSleep, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let date_text = doc
        .date
        .as_deref()
        .ok_or_else(|| TransformError::Malformed("sleep without date".into()))?;
    let date = parse_date("sleep date", date_text)?;
    let missing = |field: &str| TransformError::Malformed(format!("sleep {date}: missing {field}"));
    let start_text = doc
        .sleep_start_time
        .as_deref()
        .ok_or_else(|| missing("sleep_start_time"))?;
    let end_text = doc
        .sleep_end_time
        .as_deref()
        .ok_or_else(|| missing("sleep_end_time"))?;
    let parse = |field: &str, text: &str| {
        DateTime::parse_from_rfc3339(text)
            .map_err(|e| TransformError::Malformed(format!("sleep {date}: {field} `{text}`: {e}")))
    };
    let start_local: DateTime<FixedOffset> = parse("sleep_start_time", start_text)?;
    let end_local: DateTime<FixedOffset> = parse("sleep_end_time", end_text)?;
    let (start, end) = (start_local.to_utc(), end_local.to_utc());
    if end < start {
        return Err(TransformError::Malformed(format!(
            "sleep {date}: ends before it starts"
        )));
    }
    let zone_offset = ZoneOffset::of(&start_local);
    let anchor = start_local.naive_local();

    let mut hr: Vec<(DateTime<Utc>, f64)> = Vec::new();
    for (key, value) in &doc.heart_rate_samples {
        let Some(bpm) = value.as_f64().filter(|v| v.is_finite()) else {
            continue;
        };
        let at = at_clock(anchor, zone_offset, "heart_rate_samples", key)?;
        if at <= end {
            hr.push((at, bpm));
        }
    }
    hr.sort_by_key(|(at, _)| *at);
    batch.samples.extend(hr.iter().map(|&(time, value)| Sample {
        series: SeriesType::HeartRate,
        time,
        zone_offset: Some(zone_offset),
        value,
    }));
    let values: Vec<f64> = hr.iter().map(|(_, v)| *v).collect();
    let avg_heart_rate_bpm = (!values.is_empty())
        .then(|| (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0);
    let lowest_heart_rate_bpm = values.iter().copied().reduce(f64::min);

    let mut changes: Vec<(DateTime<Utc>, SleepStage)> = Vec::new();
    for (key, code) in &doc.hypnogram {
        changes.push((
            at_clock(anchor, zone_offset, "hypnogram", key)?,
            stage(code),
        ));
    }
    let stages = stage_intervals(changes, start, end);

    let light = whole(doc.light_sleep);
    let deep = whole(doc.deep_sleep);
    let rem = whole(doc.rem_sleep);
    let unrecognized = whole(doc.unrecognized_sleep_stage);
    let asleep = [light, deep, rem, unrecognized];
    let sleep_duration_seconds = asleep
        .iter()
        .any(Option::is_some)
        .then(|| asleep.iter().flatten().sum());
    batch.sleeps.push(SleepSession {
        external_id: format!("sleep:{date}"),
        start,
        end,
        zone_offset: Some(zone_offset),
        // Polar reports one main sleep per night.
        is_nap: false,
        sleep_duration_seconds,
        efficiency_percent: None,
        awake_seconds: whole(doc.total_interruption_duration),
        light_seconds: light,
        deep_seconds: deep,
        rem_seconds: rem,
        avg_heart_rate_bpm,
        lowest_heart_rate_bpm,
        avg_hrv_rmssd_ms: None,
        avg_respiratory_rate: None,
        stages,
        device: doc.device_id.filter(|d| !d.trim().is_empty()),
    });
    Ok(())
}

/// The UTC instant of a local clock key during the night that starts at `anchor`.
fn at_clock(
    anchor: NaiveDateTime,
    offset: ZoneOffset,
    field: &str,
    key: &str,
) -> Result<DateTime<Utc>, TransformError> {
    let clock = parse_clock(field, key)?;
    Ok(local_to_utc(on_or_after(anchor, clock), Some(offset)))
}

/// Stage changes as contiguous intervals from `start` to `end`: each change lasts until the next
/// one; times before `start` are clamped to it, changes at or after `end` dropped, equal
/// neighbours (lighter and light non-REM) merged.
pub(super) fn stage_intervals(
    mut changes: Vec<(DateTime<Utc>, SleepStage)>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<StageInterval> {
    changes.sort_by_key(|(at, _)| *at);
    let mut intervals: Vec<StageInterval> = Vec::new();
    for (i, &(at, stage)) in changes.iter().enumerate() {
        let from = at.max(start);
        let to = changes.get(i + 1).map_or(end, |(next, _)| (*next).min(end));
        if from >= end || to <= from {
            continue;
        }
        match intervals.last_mut() {
            Some(last) if last.stage == stage && last.end == from => last.end = to,
            _ => intervals.push(StageInterval {
                stage,
                start: from,
                end: to,
            }),
        }
    }
    intervals
}
