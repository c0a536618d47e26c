//! Elixir biosensing (body and skin temperature, SpO2 tests) and physical information.

use chrono::{DateTime, NaiveTime, TimeDelta};
use domain::{NormalizedBatch, Sample, SeriesType, ZoneOffset};
use serde::Deserialize;

use super::{local_to_utc, parse_date, parse_naive};
use crate::error::TransformError;

/// A body-temperature measurement period; times are UTC without a `Z`.
#[derive(Deserialize)]
pub(super) struct PolarBodyTemperature {
    /// `TM_CORE_TEMPERATURE`, `TM_SKIN_TEMPERATURE` or `TM_UNKNOWN` (others tolerated).
    #[serde(default)]
    measurement_type: Option<String>,
    start_time: Option<String>,
    #[serde(default)]
    samples: Vec<TemperatureSample>,
}

#[derive(Deserialize)]
struct TemperatureSample {
    #[serde(default)]
    temperature_celsius: Option<f64>,
    #[serde(default)]
    recording_time_delta_milliseconds: Option<i64>,
}

pub(super) fn push_body_temperature(
    doc: PolarBodyTemperature,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let series = match doc.measurement_type.as_deref() {
        Some("TM_CORE_TEMPERATURE") => SeriesType::BodyTemperature,
        Some("TM_SKIN_TEMPERATURE") => SeriesType::SkinTemperature,
        // Unknown measurement types are not guessed at.
        _ => return Ok(()),
    };
    let start_text = doc
        .start_time
        .as_deref()
        .ok_or_else(|| TransformError::Malformed("body temperature without start_time".into()))?;
    let start = match DateTime::parse_from_rfc3339(start_text) {
        Ok(dt) => dt.to_utc(),
        Err(_) => parse_naive("body temperature start_time", start_text)?.and_utc(),
    };
    for sample in doc.samples {
        let Some(value) = sample.temperature_celsius.filter(|v| v.is_finite()) else {
            continue;
        };
        let delta = TimeDelta::milliseconds(sample.recording_time_delta_milliseconds.unwrap_or(0));
        let Some(time) = start.checked_add_signed(delta) else {
            continue;
        };
        batch.samples.push(Sample {
            series,
            time,
            zone_offset: None,
            value,
        });
    }
    Ok(())
}

/// One night's skin temperature and its deviation from the wearer's baseline.
#[derive(Deserialize)]
pub(super) struct PolarSkinTemperature {
    sleep_date: Option<String>,
    #[serde(default)]
    sleep_time_skin_temperature_celsius: Option<f64>,
    #[serde(default)]
    deviation_from_baseline_celsius: Option<f64>,
}

/// Stamped at local midnight of `sleep_date` (the night's date has no time of its own).
pub(super) fn push_skin_temperature(
    doc: PolarSkinTemperature,
    offset: Option<ZoneOffset>,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let text = doc
        .sleep_date
        .as_deref()
        .ok_or_else(|| TransformError::Malformed("skin temperature without sleep_date".into()))?;
    let local = parse_date("sleep_date", text)?.and_time(NaiveTime::MIN);
    let time = local_to_utc(local, offset);
    for (series, value) in [
        (
            SeriesType::SkinTemperature,
            doc.sleep_time_skin_temperature_celsius,
        ),
        (
            SeriesType::SkinTemperatureDeviation,
            doc.deviation_from_baseline_celsius,
        ),
    ] {
        if let Some(value) = value.filter(|v| v.is_finite()) {
            batch.samples.push(Sample {
                series,
                time,
                zone_offset: offset,
                value,
            });
        }
    }
    Ok(())
}

/// An SpO2 test: `test_time` epoch seconds, `time_zone_offset` minutes.
#[derive(Deserialize)]
pub(super) struct PolarSpo2 {
    test_time: Option<i64>,
    #[serde(default)]
    time_zone_offset: Option<i64>,
    #[serde(default)]
    test_status: Option<String>,
    #[serde(default)]
    blood_oxygen_percent: Option<f64>,
    #[serde(default)]
    average_heart_rate_bpm: Option<f64>,
}

/// Only passed tests count; inconclusive ones carry no trustworthy value.
pub(super) fn push_spo2(doc: PolarSpo2, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    if doc.test_status.as_deref() != Some("SPO2_TEST_PASSED") {
        return Ok(());
    }
    let seconds = doc
        .test_time
        .ok_or_else(|| TransformError::Malformed("spo2 test without test_time".into()))?;
    let time = DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| TransformError::Malformed(format!("spo2 test_time {seconds}")))?;
    let zone_offset = doc
        .time_zone_offset
        .map(|minutes| {
            ZoneOffset::from_seconds(minutes * 60)
                .map_err(|e| TransformError::Malformed(format!("spo2 time_zone_offset: {e}")))
        })
        .transpose()?;
    for (series, value) in [
        (SeriesType::OxygenSaturation, doc.blood_oxygen_percent),
        (SeriesType::HeartRate, doc.average_heart_rate_bpm),
    ] {
        if let Some(value) = value.filter(|v| v.is_finite()) {
            batch.samples.push(Sample {
                series,
                time,
                zone_offset,
                value,
            });
        }
    }
    Ok(())
}

/// `GET /v3/users/physical-info`: weight kg, height cm, resting HR, VO2 max.
#[derive(Deserialize)]
pub(super) struct PolarPhysicalInfo {
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default)]
    height: Option<f64>,
    #[serde(default)]
    resting_heart_rate: Option<f64>,
    #[serde(default)]
    vo2_max: Option<f64>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    modified: Option<String>,
}

/// Stamped at `modified` (else `created`): when these values became true.
pub(super) fn push_physical_info(
    doc: PolarPhysicalInfo,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let text = doc
        .modified
        .as_deref()
        .or(doc.created.as_deref())
        .ok_or_else(|| {
            TransformError::Malformed("physical info without modified/created".into())
        })?;
    let time = match DateTime::parse_from_rfc3339(text) {
        Ok(dt) => dt.to_utc(),
        Err(_) => parse_naive("physical info modified", text)?.and_utc(),
    };
    for (series, value) in [
        (SeriesType::Weight, doc.weight),
        (SeriesType::Height, doc.height),
        (SeriesType::RestingHeartRate, doc.resting_heart_rate),
        (SeriesType::Vo2Max, doc.vo2_max),
    ] {
        if let Some(value) = value.filter(|v| v.is_finite() && *v > 0.0) {
            batch.samples.push(Sample {
                series,
                time,
                zone_offset: None,
                value,
            });
        }
    }
    Ok(())
}
