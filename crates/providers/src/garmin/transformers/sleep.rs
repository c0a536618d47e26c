//! `sleeps` → `SleepSession` with stage intervals from `sleepLevelsMap`, nap sessions from
//! `naps`, and the SpO2 / respiration samples recorded during sleep.
//!
//! Garmin's `durationInSeconds` excludes awake and unmeasurable time, so the session ends at
//! `start + duration + awake + unmeasurable` or at the last stage interval, whichever is later.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use domain::{NormalizedBatch, SeriesType, SleepSession, SleepStage, StageInterval};
use serde::Deserialize;
use serde_json::Value;

use super::{at, id_text, instant, map_samples, offset_values, whole, zone};
use crate::error::TransformError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GarminSleep {
    #[serde(default)]
    summary_id: Option<Value>,
    #[serde(default)]
    start_time_in_seconds: Option<f64>,
    #[serde(default)]
    start_time_offset_in_seconds: Option<f64>,
    /// Asleep time: excludes awake and unmeasurable time.
    #[serde(default)]
    duration_in_seconds: Option<f64>,
    #[serde(default)]
    deep_sleep_duration_in_seconds: Option<f64>,
    #[serde(default)]
    light_sleep_duration_in_seconds: Option<f64>,
    #[serde(default)]
    rem_sleep_in_seconds: Option<f64>,
    #[serde(default)]
    awake_duration_in_seconds: Option<f64>,
    /// The spec's table spells it this way, its example `unmeasurableSleepDurationInSeconds`.
    #[serde(default, alias = "unmeasurableSleepDurationInSeconds")]
    unmeasurable_sleep_in_seconds: Option<f64>,
    #[serde(default)]
    sleep_levels_map: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    time_offset_sleep_respiration: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    time_offset_sleep_spo2: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    naps: Vec<Nap>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Nap {
    #[serde(default)]
    nap_start_time_in_seconds: Option<f64>,
    #[serde(default)]
    nap_duration_in_seconds: Option<f64>,
    #[serde(default)]
    nap_offset_in_seconds: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LevelRange {
    #[serde(default)]
    start_time_in_seconds: Option<f64>,
    #[serde(default)]
    end_time_in_seconds: Option<f64>,
}

/// `sleepLevelsMap` keys; anything else (e.g. `unmeasurable`) is an unknown stage.
fn stage(key: &str) -> SleepStage {
    match key.trim().to_ascii_lowercase().as_str() {
        "deep" => SleepStage::Deep,
        "light" => SleepStage::Light,
        "rem" => SleepStage::Rem,
        "awake" => SleepStage::Awake,
        _ => SleepStage::Unknown,
    }
}

/// Every well-formed range of the map, ordered by start; malformed entries are skipped.
fn stage_intervals(map: &BTreeMap<String, Value>) -> Vec<StageInterval> {
    let mut intervals: Vec<StageInterval> = map
        .iter()
        .flat_map(|(key, ranges)| {
            let ranges: Vec<LevelRange> =
                serde_json::from_value(ranges.clone()).unwrap_or_default();
            let stage = stage(key);
            ranges.into_iter().filter_map(move |r| {
                let start = at(r.start_time_in_seconds?)?;
                let end = at(r.end_time_in_seconds?)?;
                (end > start).then_some(StageInterval { stage, start, end })
            })
        })
        .collect();
    intervals.sort_by_key(|i| (i.start, i.end));
    intervals
}

fn seconds(value: Option<f64>) -> i64 {
    whole(value).unwrap_or(0).max(0)
}

/// Garmin re-sends a growing sleep with the same start time (its summary id may change with
/// the duration), so the session's external id is `sleep-<start epoch seconds>`.
pub(super) fn push(doc: GarminSleep, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let id = id_text(&doc.summary_id)
        .ok_or_else(|| TransformError::Malformed("sleep: missing summaryId".into()))?;
    let what = format!("sleep `{id}`");
    let start = instant(&what, "startTimeInSeconds", doc.start_time_in_seconds)?;
    let zone_offset = zone(doc.start_time_offset_in_seconds);
    let stages = doc
        .sleep_levels_map
        .as_ref()
        .map(stage_intervals)
        .unwrap_or_default();
    let (deep, light, rem) = (
        whole(doc.deep_sleep_duration_in_seconds),
        whole(doc.light_sleep_duration_in_seconds),
        whole(doc.rem_sleep_in_seconds),
    );
    // The stage totals, unless they are all zero or absent (OFF_WRIST records carry only the
    // sleep window).
    let staged = deep.unwrap_or(0) + light.unwrap_or(0) + rem.unwrap_or(0);
    let asleep = if staged > 0 {
        Some(staged)
    } else {
        whole(doc.duration_in_seconds)
    };
    let in_bed = seconds(doc.duration_in_seconds)
        + seconds(doc.awake_duration_in_seconds)
        + seconds(doc.unmeasurable_sleep_in_seconds);
    let session_start = stages.first().map_or(start, |i| i.start.min(start));
    let session_end = stages
        .iter()
        .map(|i| i.end)
        .max()
        .unwrap_or(start)
        .max(start + Duration::seconds(in_bed));
    let respiration = doc.time_offset_sleep_respiration.unwrap_or_default();
    let breaths: Vec<f64> = offset_values(&respiration)
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| *v > 0.0)
        .collect();
    let avg_respiratory_rate =
        (!breaths.is_empty()).then(|| breaths.iter().sum::<f64>() / breaths.len() as f64);
    batch.samples.extend(map_samples(
        SeriesType::RespiratoryRate,
        start,
        zone_offset,
        &respiration,
        |v| v > 0.0,
    ));
    if let Some(spo2) = &doc.time_offset_sleep_spo2 {
        batch.samples.extend(map_samples(
            SeriesType::OxygenSaturation,
            start,
            zone_offset,
            spo2,
            |v| v > 0.0 && v <= 100.0,
        ));
    }
    batch.sleeps.push(SleepSession {
        external_id: format!("sleep-{}", start.timestamp()),
        start: session_start,
        end: session_end,
        zone_offset,
        is_nap: false,
        sleep_duration_seconds: asleep,
        efficiency_percent: None,
        awake_seconds: whole(doc.awake_duration_in_seconds),
        light_seconds: light,
        deep_seconds: deep,
        rem_seconds: rem,
        avg_heart_rate_bpm: None,
        lowest_heart_rate_bpm: None,
        avg_hrv_rmssd_ms: None,
        avg_respiratory_rate,
        stages,
        device: None,
    });
    for nap in &doc.naps {
        push_nap(nap, zone_offset, batch);
    }
    Ok(())
}

/// A nap of a sleep summary as its own session (`nap-<start>`); incomplete naps are skipped.
fn push_nap(nap: &Nap, sleep_zone: Option<domain::ZoneOffset>, batch: &mut NormalizedBatch) {
    let (Some(start_secs), Some(duration)) = (
        nap.nap_start_time_in_seconds,
        whole(nap.nap_duration_in_seconds).filter(|d| *d > 0),
    ) else {
        return;
    };
    let Some(start): Option<DateTime<Utc>> = at(start_secs) else {
        return;
    };
    batch.sleeps.push(SleepSession {
        external_id: format!("nap-{}", start.timestamp()),
        start,
        end: start + Duration::seconds(duration),
        zone_offset: zone(nap.nap_offset_in_seconds).or(sleep_zone),
        is_nap: true,
        sleep_duration_seconds: Some(duration),
        efficiency_percent: None,
        awake_seconds: None,
        light_seconds: None,
        deep_seconds: None,
        rem_seconds: None,
        avg_heart_rate_bpm: None,
        lowest_heart_rate_bpm: None,
        avg_hrv_rmssd_ms: None,
        avg_respiratory_rate: None,
        stages: Vec::new(),
        device: None,
    });
}
