//! `getmeas` → samples. Each measure is `value × 10^unit` in the type's SI unit.

use domain::{NormalizedBatch, Sample, SeriesType};
use serde::Deserialize;
use serde_json::Value;

use super::{Id, instant, items, offset};
use crate::error::TransformError;

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    grpid: Option<Id>,
    date: i64,
    #[serde(default)]
    category: Option<i64>,
    /// Newer answers repeat the zone per group.
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    measures: Vec<Measure>,
}

#[derive(Deserialize)]
struct Measure {
    value: i64,
    #[serde(rename = "type")]
    kind: i64,
    unit: i32,
}

/// `meastype` → (series, factor from the SI value to the series' unit). Types without an Open
/// Wearables series (77 hydration, 88 bone mass, 91 pulse wave velocity, …) give `None`.
fn series(meastype: i64) -> Option<(SeriesType, f64)> {
    Some(match meastype {
        1 => (SeriesType::Weight, 1.0),
        // Meters → centimeters.
        4 => (SeriesType::Height, 100.0),
        5 => (SeriesType::LeanBodyMass, 1.0),
        6 => (SeriesType::BodyFatPercentage, 1.0),
        8 => (SeriesType::BodyFatMass, 1.0),
        9 => (SeriesType::BloodPressureDiastolic, 1.0),
        10 => (SeriesType::BloodPressureSystolic, 1.0),
        11 => (SeriesType::HeartRate, 1.0),
        12 | 71 => (SeriesType::BodyTemperature, 1.0),
        54 => (SeriesType::OxygenSaturation, 1.0),
        73 => (SeriesType::SkinTemperature, 1.0),
        76 => (SeriesType::SkeletalMuscleMass, 1.0),
        _ => return None,
    })
}

pub(super) fn push(body: Value, batch: &mut NormalizedBatch) -> Result<(), TransformError> {
    let zone = body
        .get("timezone")
        .and_then(Value::as_str)
        .map(str::to_owned);
    for group in items::<Group>("measures", &body, "measuregrps")? {
        // Category 2 holds the user's objectives, not measurements.
        if group.category.is_some_and(|c| c != 1) {
            continue;
        }
        let time = instant("measuregrps.date", group.date).map_err(|e| match &group.grpid {
            Some(id) => TransformError::Malformed(format!("group {}: {e}", id.text())),
            None => e,
        })?;
        let zone_offset = offset(group.timezone.as_deref().or(zone.as_deref()), time);
        for measure in &group.measures {
            let Some((series, factor)) = series(measure.kind) else {
                continue;
            };
            let value = measure.value as f64 * 10f64.powi(measure.unit) * factor;
            if !value.is_finite() {
                continue;
            }
            batch.samples.push(Sample {
                series,
                time,
                zone_offset,
                value: round(value),
            });
        }
    }
    Ok(())
}

/// Drops floating-point noise from `value × 10^unit` (e.g. 75.12000000000001).
fn round(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}
