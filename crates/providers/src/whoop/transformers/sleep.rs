//! WHOOP sleeps → `SleepSession` with stage totals (WHOOP publishes no stage intervals) and a
//! respiratory-rate sample at wake-up.

use domain::{NormalizedBatch, Sample, SeriesType, SleepSession};
use serde::Deserialize;

use super::{millis_to_seconds, missing, offset, opt_id, parse_time, scored};
use crate::error::TransformError;

#[derive(Deserialize)]
pub(super) struct WhoopSleep {
    #[serde(default, deserialize_with = "opt_id")]
    id: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    timezone_offset: Option<String>,
    #[serde(default)]
    nap: Option<bool>,
    #[serde(default)]
    score_state: Option<String>,
    #[serde(default)]
    score: Option<SleepScore>,
}

#[derive(Deserialize)]
struct SleepScore {
    #[serde(default)]
    stage_summary: Option<StageSummary>,
    #[serde(default)]
    respiratory_rate: Option<f64>,
    #[serde(default)]
    sleep_efficiency_percentage: Option<f64>,
}

/// Milliseconds per stage.
#[derive(Deserialize)]
struct StageSummary {
    #[serde(default)]
    total_awake_time_milli: Option<f64>,
    #[serde(default)]
    total_light_sleep_time_milli: Option<f64>,
    #[serde(default)]
    total_slow_wave_sleep_time_milli: Option<f64>,
    #[serde(default)]
    total_rem_sleep_time_milli: Option<f64>,
}

/// Adds one sleep to `batch`.
pub(super) fn push(doc: WhoopSleep, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let id = doc.id.ok_or_else(|| missing("sleep", "?", "id"))?;
    let start_text = doc
        .start
        .as_deref()
        .ok_or_else(|| missing("sleep", &id, "start"))?;
    let end_text = doc
        .end
        .as_deref()
        .ok_or_else(|| missing("sleep", &id, "end"))?;
    let start = parse_time("start", start_text)?;
    let end = parse_time("end", end_text)?;
    if end < start {
        return Err(TransformError::Malformed(format!(
            "sleep `{id}`: ends before it starts"
        )));
    }
    let zone_offset = offset(doc.timezone_offset.as_deref());
    let score = scored(doc.score_state.as_deref(), doc.score);
    let stages = score.as_ref().and_then(|s| s.stage_summary.as_ref());
    let stage = |f: fn(&StageSummary) -> Option<f64>| millis_to_seconds(stages.and_then(f));
    let light = stage(|s| s.total_light_sleep_time_milli);
    let deep = stage(|s| s.total_slow_wave_sleep_time_milli);
    let rem = stage(|s| s.total_rem_sleep_time_milli);
    let awake = stage(|s| s.total_awake_time_milli);
    let asleep = match (light, deep, rem) {
        (Some(l), Some(d), Some(r)) => Some(l + d + r),
        _ => None,
    };
    let respiratory_rate = score
        .as_ref()
        .and_then(|s| s.respiratory_rate)
        .filter(|v| v.is_finite() && *v > 0.0);
    if let Some(value) = respiratory_rate {
        batch.samples.push(Sample {
            series: SeriesType::RespiratoryRate,
            time: end,
            zone_offset,
            value,
        });
    }
    batch.sleeps.push(SleepSession {
        external_id: id,
        start,
        end,
        zone_offset,
        is_nap: doc.nap.unwrap_or(false),
        sleep_duration_seconds: asleep,
        efficiency_percent: score.as_ref().and_then(|s| s.sleep_efficiency_percentage),
        awake_seconds: awake,
        light_seconds: light,
        deep_seconds: deep,
        rem_seconds: rem,
        avg_heart_rate_bpm: None,
        lowest_heart_rate_bpm: None,
        avg_hrv_rmssd_ms: None,
        avg_respiratory_rate: respiratory_rate,
        stages: Vec::new(),
        device: None,
    });
    Ok(())
}
