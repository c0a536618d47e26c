//! Sleep logs (v1.2) → `SleepSession` with stage intervals from `levels.data`, overlaid with the
//! short wakes of `levels.shortData` (as Fitbit's own `levels.summary` counts them).

use chrono::{DateTime, Duration, Utc};
use domain::{NormalizedBatch, SleepSession, SleepStage, StageInterval};
use serde::Deserialize;
use serde_json::Value;

use super::{Clock, id, items, local_date_time, minutes_to_seconds, num, required};
use crate::error::TransformError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SleepLog {
    #[serde(default, deserialize_with = "id")]
    log_id: Option<String>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
    #[serde(default)]
    is_main_sleep: Option<bool>,
    /// `stages` or `classic`.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "num")]
    minutes_asleep: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    minutes_awake: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    efficiency: Option<f64>,
    #[serde(default)]
    levels: Option<Levels>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Levels {
    #[serde(default)]
    data: Vec<Level>,
    #[serde(default)]
    short_data: Vec<Level>,
    #[serde(default)]
    summary: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Level {
    date_time: String,
    level: String,
    #[serde(deserialize_with = "num")]
    seconds: Option<f64>,
}

/// `{"sleep": [...], "summary": ..}` (date or range) or `{"sleep": [...], "pagination": ..}`.
pub(super) fn logs(
    mut value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    if value.get("sleep").is_none() {
        return Err(TransformError::Malformed("sleep: missing `sleep`".into()));
    }
    for log in items::<SleepLog>(&mut value, "sleep")? {
        batch.sleeps.push(session(log, clock)?);
    }
    Ok(())
}

fn session(log: SleepLog, clock: Clock) -> Result<SleepSession, TransformError> {
    let external_id = required(log.log_id, "sleep logId")?;
    let start_text = required(log.start_time, "sleep startTime")?;
    let end_text = required(log.end_time, "sleep endTime")?;
    let start = clock.instant(local_date_time("startTime", &start_text)?);
    let end = clock.instant(local_date_time("endTime", &end_text)?);
    if end < start {
        return Err(TransformError::Malformed(format!(
            "sleep `{external_id}`: ends before it starts"
        )));
    }
    let levels = log.levels.unwrap_or(Levels {
        data: Vec::new(),
        short_data: Vec::new(),
        summary: None,
    });
    let stages = overlay(
        &intervals(&levels.data, clock)?,
        &intervals(&levels.short_data, clock)?,
    );
    let summary_minutes = |stage: &str| {
        levels
            .summary
            .as_ref()
            .and_then(|s| s.get(stage))
            .and_then(|s| s.get("minutes"))
            .and_then(Value::as_f64)
    };
    let staged = log.kind.as_deref() == Some("stages");
    let (light, deep, rem, awake) = if staged {
        (
            summary_minutes("light"),
            summary_minutes("deep"),
            summary_minutes("rem"),
            summary_minutes("wake").or(log.minutes_awake),
        )
    } else {
        (None, None, None, log.minutes_awake)
    };
    Ok(SleepSession {
        is_nap: log.is_main_sleep == Some(false),
        start,
        end,
        zone_offset: clock.offset,
        sleep_duration_seconds: minutes_to_seconds(log.minutes_asleep),
        efficiency_percent: log.efficiency,
        awake_seconds: minutes_to_seconds(awake),
        light_seconds: minutes_to_seconds(light),
        deep_seconds: minutes_to_seconds(deep),
        rem_seconds: minutes_to_seconds(rem),
        avg_heart_rate_bpm: None,
        lowest_heart_rate_bpm: None,
        avg_hrv_rmssd_ms: None,
        avg_respiratory_rate: None,
        stages,
        device: None,
        external_id,
    })
}

/// Fitbit level names (stages and classic) → stages; unknown names are `Unknown`.
pub(crate) fn stage(level: &str) -> SleepStage {
    match level {
        "wake" | "awake" | "restless" => SleepStage::Awake,
        "light" => SleepStage::Light,
        "deep" => SleepStage::Deep,
        "rem" => SleepStage::Rem,
        "asleep" => SleepStage::Sleeping,
        _ => SleepStage::Unknown,
    }
}

fn intervals(levels: &[Level], clock: Clock) -> Result<Vec<StageInterval>, TransformError> {
    let mut out: Vec<StageInterval> = levels
        .iter()
        .map(|l| {
            let start = clock.instant(local_date_time("levels.dateTime", &l.date_time)?);
            let seconds = required(l.seconds, "levels.seconds")?.max(0.0);
            Ok(StageInterval {
                stage: stage(&l.level),
                start,
                end: start + Duration::milliseconds((seconds * 1000.0).round() as i64),
            })
        })
        .collect::<Result<_, TransformError>>()?;
    out.sort_by_key(|i| i.start);
    Ok(out)
}

/// `data` with every short wake cut in as `Awake`; adjacent equal stages are merged.
pub(crate) fn overlay(data: &[StageInterval], wakes: &[StageInterval]) -> Vec<StageInterval> {
    let mut out: Vec<StageInterval> = Vec::with_capacity(data.len() + 2 * wakes.len());
    let mut push = |stage: SleepStage, start: DateTime<Utc>, end: DateTime<Utc>| {
        if end <= start {
            return;
        }
        match out.last_mut() {
            Some(last) if last.stage == stage && last.end == start => last.end = end,
            _ => out.push(StageInterval { stage, start, end }),
        }
    };
    for interval in data {
        let mut cursor = interval.start;
        for wake in wakes
            .iter()
            .filter(|w| w.start < interval.end && interval.start < w.end)
        {
            let from = wake.start.max(cursor);
            let to = wake.end.min(interval.end);
            push(interval.stage, cursor, from);
            push(SleepStage::Awake, from, to);
            cursor = cursor.max(to);
        }
        push(interval.stage, cursor, interval.end);
    }
    out
}
