//! Oura sleep periods → `SleepSession` (+ stage intervals and RMSSD samples).

use chrono::{DateTime, Duration, Utc};
use domain::{NormalizedBatch, Sample, SeriesType, SleepSession, SleepStage, StageInterval};
use serde::Deserialize;

use super::{parse_time, seconds};
use crate::error::TransformError;

/// Each character of `sleep_phase_5_min` covers five minutes.
const PHASE_STEP_SECONDS: i64 = 300;

#[derive(Deserialize)]
pub(super) struct OuraSleep {
    id: String,
    /// `long_sleep`, `sleep`, `late_nap`, `rest` or `deleted` (others tolerated).
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    bedtime_start: Option<String>,
    #[serde(default)]
    bedtime_end: Option<String>,
    #[serde(default)]
    total_sleep_duration: Option<f64>,
    #[serde(default)]
    deep_sleep_duration: Option<f64>,
    #[serde(default)]
    light_sleep_duration: Option<f64>,
    #[serde(default)]
    rem_sleep_duration: Option<f64>,
    #[serde(default)]
    awake_time: Option<f64>,
    #[serde(default)]
    efficiency: Option<f64>,
    #[serde(default)]
    average_heart_rate: Option<f64>,
    #[serde(default)]
    lowest_heart_rate: Option<f64>,
    /// Oura's HRV is RMSSD, in ms.
    #[serde(default)]
    average_hrv: Option<f64>,
    #[serde(default)]
    average_breath: Option<f64>,
    #[serde(default)]
    hrv: Option<OuraSeries>,
    #[serde(default)]
    sleep_phase_5_min: Option<String>,
}

/// Oura's `SampleModel`: `items[i]` is at `timestamp + i * interval` seconds.
#[derive(Deserialize)]
struct OuraSeries {
    #[serde(default)]
    interval: Option<f64>,
    #[serde(default)]
    items: Vec<Option<f64>>,
    #[serde(default)]
    timestamp: Option<String>,
}

/// Adds one sleep document to `batch`: a session with its RMSSD samples, or a deletion.
pub(super) fn push(doc: OuraSleep, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    if doc.kind.as_deref() == Some("deleted") {
        batch.deleted_external_ids.push(doc.id);
        return Ok(());
    }
    let missing =
        |field: &str| TransformError::Malformed(format!("sleep `{}`: missing {field}", doc.id));
    let start_text = doc
        .bedtime_start
        .as_deref()
        .ok_or_else(|| missing("bedtime_start"))?;
    let end_text = doc
        .bedtime_end
        .as_deref()
        .ok_or_else(|| missing("bedtime_end"))?;
    let (start, zone_offset) = parse_time("bedtime_start", start_text)?;
    let (end, _) = parse_time("bedtime_end", end_text)?;
    if end < start {
        return Err(TransformError::Malformed(format!(
            "sleep `{}`: ends before it starts",
            doc.id
        )));
    }
    if let Some(hrv) = &doc.hrv {
        batch
            .samples
            .extend(series_samples(hrv, SeriesType::HeartRateVariabilityRmssd)?);
    }
    let stages = doc
        .sleep_phase_5_min
        .as_deref()
        .map(|phases| stage_intervals(phases, start, end))
        .unwrap_or_default();
    batch.sleeps.push(SleepSession {
        // A missing type is taken as the main sleep, not a nap.
        is_nap: doc.kind.as_deref().is_some_and(|k| k != "long_sleep"),
        start,
        end,
        zone_offset: Some(zone_offset),
        sleep_duration_seconds: seconds(doc.total_sleep_duration),
        efficiency_percent: doc.efficiency,
        awake_seconds: seconds(doc.awake_time),
        light_seconds: seconds(doc.light_sleep_duration),
        deep_seconds: seconds(doc.deep_sleep_duration),
        rem_seconds: seconds(doc.rem_sleep_duration),
        avg_heart_rate_bpm: doc.average_heart_rate,
        lowest_heart_rate_bpm: doc.lowest_heart_rate,
        avg_hrv_rmssd_ms: doc.average_hrv,
        avg_respiratory_rate: doc.average_breath,
        stages,
        device: None,
        external_id: doc.id,
    });
    Ok(())
}

/// Samples of `series` from an Oura series; null items are skipped, an incomplete series yields none.
fn series_samples(series: &OuraSeries, kind: SeriesType) -> Result<Vec<Sample>, TransformError> {
    let (Some(interval), Some(timestamp)) = (series.interval, series.timestamp.as_deref()) else {
        return Ok(Vec::new());
    };
    if !interval.is_finite() || interval <= 0.0 {
        return Ok(Vec::new());
    }
    let (first, zone_offset) = parse_time("hrv.timestamp", timestamp)?;
    let step_ms = (interval * 1000.0).round() as i64;
    Ok(series
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, value)| {
            let value = (*value)?;
            let offset = Duration::milliseconds(step_ms.checked_mul(i as i64)?);
            Some(Sample {
                series: kind,
                time: first.checked_add_signed(offset)?,
                zone_offset: Some(zone_offset),
                value,
            })
        })
        .collect())
}

/// Runs of `sleep_phase_5_min` (1 deep, 2 light, 3 rem, 4 awake, else unknown) as intervals from
/// `start`, the last one clipped to `end`.
pub(super) fn stage_intervals(
    phases: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<StageInterval> {
    let mut intervals: Vec<StageInterval> = Vec::new();
    for (i, phase) in phases.chars().enumerate() {
        let from = start + Duration::seconds(PHASE_STEP_SECONDS * i as i64);
        if from >= end {
            break;
        }
        let to = (from + Duration::seconds(PHASE_STEP_SECONDS)).min(end);
        let stage = match phase {
            '1' => SleepStage::Deep,
            '2' => SleepStage::Light,
            '3' => SleepStage::Rem,
            '4' => SleepStage::Awake,
            _ => SleepStage::Unknown,
        };
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
