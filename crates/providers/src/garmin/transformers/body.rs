//! Body measurements: `bodyComps` (grams → kg), `bloodPressures`, `userMetrics` (VO2 max and
//! fitness age, dated but not timed).

use chrono::{NaiveDate, NaiveTime};
use domain::{NormalizedBatch, SeriesType};
use serde::Deserialize;

use super::{instant, sample, zone};
use crate::error::TransformError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Measurement {
    #[serde(default)]
    measurement_time_in_seconds: Option<f64>,
    #[serde(default)]
    measurement_time_offset_in_seconds: Option<f64>,
    /// Grams, not kilograms.
    #[serde(default)]
    weight_in_grams: Option<f64>,
    #[serde(default)]
    body_fat_in_percent: Option<f64>,
    #[serde(default)]
    body_mass_index: Option<f64>,
    /// Skeletal muscle mass of an Index scale, grams.
    #[serde(default)]
    muscle_mass_in_grams: Option<f64>,
    #[serde(default)]
    systolic: Option<f64>,
    #[serde(default)]
    diastolic: Option<f64>,
    #[serde(default)]
    pulse: Option<f64>,
}

fn push_all(
    what: &str,
    doc: &Measurement,
    values: &[(SeriesType, Option<f64>)],
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let time = instant(
        what,
        "measurementTimeInSeconds",
        doc.measurement_time_in_seconds,
    )?;
    let zone_offset = zone(doc.measurement_time_offset_in_seconds);
    batch.samples.extend(
        values
            .iter()
            .filter_map(|&(series, value)| sample(series, time, zone_offset, value)),
    );
    Ok(())
}

pub(super) fn body_comp(
    doc: Measurement,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let kg = |grams: Option<f64>| grams.filter(|g| *g > 0.0).map(|g| g / 1000.0);
    let values = [
        (SeriesType::Weight, kg(doc.weight_in_grams)),
        (SeriesType::BodyFatPercentage, doc.body_fat_in_percent),
        (SeriesType::BodyMassIndex, doc.body_mass_index),
        (SeriesType::SkeletalMuscleMass, kg(doc.muscle_mass_in_grams)),
    ];
    push_all("bodyComps", &doc, &values, batch)
}

pub(super) fn blood_pressure(
    doc: Measurement,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let values = [
        (SeriesType::BloodPressureSystolic, doc.systolic),
        (SeriesType::BloodPressureDiastolic, doc.diastolic),
        (SeriesType::HeartRate, doc.pulse.filter(|p| *p > 0.0)),
    ];
    push_all("bloodPressures", &doc, &values, batch)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserMetrics {
    #[serde(default)]
    calendar_date: Option<String>,
    #[serde(default)]
    vo2_max: Option<f64>,
    #[serde(default)]
    fitness_age: Option<f64>,
}

/// User metrics carry only a calendar date: samples are stamped at its midnight UTC, with no
/// local offset (Garmin sends none).
pub(super) fn user_metrics(
    doc: UserMetrics,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let text = doc
        .calendar_date
        .as_deref()
        .ok_or_else(|| TransformError::Malformed("userMetrics: missing calendarDate".into()))?;
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| {
        TransformError::Malformed(format!("userMetrics: calendarDate `{text}`: {e}"))
    })?;
    let time = date.and_time(NaiveTime::MIN).and_utc();
    batch.samples.extend(
        [
            (SeriesType::Vo2Max, doc.vo2_max.filter(|v| *v > 0.0)),
            (
                SeriesType::GarminFitnessAge,
                doc.fitness_age.filter(|v| *v > 0.0),
            ),
        ]
        .into_iter()
        .filter_map(|(series, value)| sample(series, time, None, value)),
    );
    Ok(())
}
