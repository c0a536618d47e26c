//! Health API vitals, all time series: `stressDetails` (stress level, body battery),
//! `allDayRespiration`, `pulseox`, `hrv` (RMSSD), `skinTemp` (deviation) and `healthSnapshot`.

use std::collections::BTreeMap;

use domain::{NormalizedBatch, SeriesType};
use serde::Deserialize;
use serde_json::Value;

use super::{instant, map_samples, sample, zone};
use crate::error::TransformError;

/// The fields every vitals summary shares.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Vitals {
    #[serde(default)]
    start_time_in_seconds: Option<f64>,
    /// The Health Snapshot example spells it `offsetStartTimeInSeconds`.
    #[serde(default, alias = "offsetStartTimeInSeconds")]
    start_time_offset_in_seconds: Option<f64>,
    /// Stress levels 1–100; negative values are "no data" reasons (off wrist, motion, …).
    #[serde(default)]
    time_offset_stress_level_values: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    time_offset_body_battery_values: Option<BTreeMap<String, Value>>,
    /// Breaths per minute.
    #[serde(default)]
    time_offset_epoch_to_breaths: Option<BTreeMap<String, Value>>,
    /// Percent.
    #[serde(default)]
    time_offset_spo2_values: Option<BTreeMap<String, Value>>,
    /// RMSSD, ms, every 5 minutes.
    #[serde(default)]
    hrv_values: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    last_night_avg: Option<f64>,
    /// Skin temperature deviation from the user's baseline, °C.
    #[serde(default)]
    avg_deviation_celsius: Option<f64>,
    /// Absolute skin temperature, °C (field name per Open Wearables; not in Garmin's spec).
    #[serde(default)]
    skin_temperature: Option<f64>,
    #[serde(default)]
    summaries: Vec<SnapshotSummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotSummary {
    #[serde(default)]
    summary_type: Option<String>,
    #[serde(default)]
    avg_value: Option<f64>,
}

fn start(what: &str, doc: &Vitals) -> Result<chrono::DateTime<chrono::Utc>, TransformError> {
    instant(what, "startTimeInSeconds", doc.start_time_in_seconds)
}

fn extend_from(
    batch: &mut NormalizedBatch,
    what: &str,
    doc: &Vitals,
    series: SeriesType,
    map: &Option<BTreeMap<String, Value>>,
    keep: impl Fn(f64) -> bool,
) -> Result<(), TransformError> {
    let start = start(what, doc)?;
    if let Some(map) = map {
        let zone_offset = zone(doc.start_time_offset_in_seconds);
        batch
            .samples
            .extend(map_samples(series, start, zone_offset, map, keep));
    }
    Ok(())
}

pub(super) fn stress(doc: Vitals, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let level = |v: f64| (0.0..=100.0).contains(&v);
    extend_from(
        batch,
        "stressDetails",
        &doc,
        SeriesType::GarminStressLevel,
        &doc.time_offset_stress_level_values,
        level,
    )?;
    extend_from(
        batch,
        "stressDetails",
        &doc,
        SeriesType::GarminBodyBattery,
        &doc.time_offset_body_battery_values,
        level,
    )
}

pub(super) fn respiration(doc: Vitals, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    extend_from(
        batch,
        "allDayRespiration",
        &doc,
        SeriesType::RespiratoryRate,
        &doc.time_offset_epoch_to_breaths,
        |v| v > 0.0,
    )
}

pub(super) fn pulse_ox(doc: Vitals, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    extend_from(
        batch,
        "pulseox",
        &doc,
        SeriesType::OxygenSaturation,
        &doc.time_offset_spo2_values,
        |v| v > 0.0 && v <= 100.0,
    )
}

/// Garmin's overnight HRV is RMSSD. The 5-minute values when present, else the night average.
pub(super) fn hrv(doc: Vitals, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let before = batch.samples.len();
    extend_from(
        batch,
        "hrv",
        &doc,
        SeriesType::HeartRateVariabilityRmssd,
        &doc.hrv_values,
        |v| v > 0.0,
    )?;
    if batch.samples.len() == before {
        let start = start("hrv", &doc)?;
        let zone_offset = zone(doc.start_time_offset_in_seconds);
        batch.samples.extend(sample(
            SeriesType::HeartRateVariabilityRmssd,
            start,
            zone_offset,
            doc.last_night_avg.filter(|v| *v > 0.0),
        ));
    }
    Ok(())
}

pub(super) fn skin_temp(doc: Vitals, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let start = start("skinTemp", &doc)?;
    let zone_offset = zone(doc.start_time_offset_in_seconds);
    batch.samples.extend(
        [
            (
                SeriesType::SkinTemperatureDeviation,
                doc.avg_deviation_celsius,
            ),
            (SeriesType::SkinTemperature, doc.skin_temperature),
        ]
        .into_iter()
        .filter_map(|(series, value)| sample(series, start, zone_offset, value)),
    );
    Ok(())
}

/// A two-minute Health Snapshot: one sample per known summary type at the session start.
pub(super) fn snapshot(doc: Vitals, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let start = start("healthSnapshot", &doc)?;
    let zone_offset = zone(doc.start_time_offset_in_seconds);
    for summary in &doc.summaries {
        let series = match summary.summary_type.as_deref().map(str::trim) {
            Some("heart_rate") => SeriesType::HeartRate,
            Some("rmssd_hrv") => SeriesType::HeartRateVariabilityRmssd,
            // SDRR over the two-minute session: the SDNN of normal beats.
            Some("sdrr_hrv") => SeriesType::HeartRateVariabilitySdnn,
            Some("stress") => SeriesType::GarminStressLevel,
            Some("spo2" | "pulse_ox") => SeriesType::OxygenSaturation,
            Some("respiration") => SeriesType::RespiratoryRate,
            _ => continue,
        };
        let value = summary.avg_value.filter(|v| *v >= 0.0);
        batch
            .samples
            .extend(sample(series, start, zone_offset, value));
    }
    Ok(())
}
