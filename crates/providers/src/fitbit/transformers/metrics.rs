//! Heart rate (resting + intraday), nightly metrics (HRV RMSSD, SpO2, breathing rate, skin
//! temperature variation), VO2 max, weight/BMI and body fat → samples.

use domain::{NormalizedBatch, Sample, SeriesType};
use serde::Deserialize;
use serde_json::Value;

use super::{Clock, date, id, items, num, required, time_of_day};
use crate::error::TransformError;

/// One `{"dateTime": "2024-01-15", "value": {..}}` entry of the daily endpoints.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Daily {
    #[serde(default)]
    date_time: Option<String>,
    #[serde(default)]
    value: Value,
}

impl Daily {
    fn field(&self, name: &str) -> Option<f64> {
        match self.value.get(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|v: &f64| v.is_finite())
    }
}

fn push_daily(
    entries: &[Daily],
    clock: Clock,
    series: SeriesType,
    value: impl Fn(&Daily) -> Option<f64>,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    for entry in entries {
        let day = date("dateTime", &required(entry.date_time.clone(), "dateTime")?)?;
        if let Some(v) = value(entry) {
            batch.samples.push(Sample {
                series,
                time: clock.midnight(day),
                zone_offset: clock.offset,
                value: v,
            });
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct Intraday {
    #[serde(default)]
    dataset: Vec<IntradayPoint>,
}

#[derive(Deserialize)]
struct IntradayPoint {
    time: String,
    #[serde(deserialize_with = "num")]
    value: Option<f64>,
}

/// `{"activities-heart": [..], "activities-heart-intraday": {"dataset": [..]}}`: resting heart
/// rate per day, and the intraday samples of the (single) day requested.
pub(super) fn heart(
    mut value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    if value.get("activities-heart").is_none() {
        return Err(TransformError::Malformed(
            "heart: missing `activities-heart`".into(),
        ));
    }
    let days: Vec<Daily> = items(&mut value, "activities-heart")?;
    push_daily(
        &days,
        clock,
        SeriesType::RestingHeartRate,
        |d| d.field("restingHeartRate").filter(|hr| *hr > 0.0),
        batch,
    )?;
    let Some(raw) = value.get_mut("activities-heart-intraday").map(Value::take) else {
        return Ok(());
    };
    let intraday: Intraday = serde_json::from_value(raw)
        .map_err(|e| TransformError::Malformed(format!("heart intraday: {e}")))?;
    if intraday.dataset.is_empty() {
        return Ok(());
    }
    let day_text = days.first().and_then(|d| d.date_time.clone());
    let day = date("dateTime", &required(day_text, "the intraday day")?)?;
    for point in intraday.dataset {
        let time = time_of_day("dataset.time", &point.time)?;
        if let Some(bpm) = point.value.filter(|v| *v > 0.0) {
            batch.samples.push(Sample {
                series: SeriesType::HeartRate,
                time: clock.instant(day.and_time(time)),
                zone_offset: clock.offset,
                value: bpm,
            });
        }
    }
    Ok(())
}

fn daily_list(mut value: Value, key: &str) -> Result<Vec<Daily>, TransformError> {
    if value.get(key).is_none() {
        return Err(TransformError::Malformed(format!("missing `{key}`")));
    }
    items(&mut value, key)
}

/// `{"hrv": [{"dateTime", "value": {"dailyRmssd", "deepRmssd"}}]}`: Fitbit's HRV is RMSSD.
pub(super) fn hrv(
    value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let days = daily_list(value, "hrv")?;
    push_daily(
        &days,
        clock,
        SeriesType::HeartRateVariabilityRmssd,
        |d| d.field("dailyRmssd"),
        batch,
    )
}

/// A range gives `[{"dateTime", "value": {"avg", "min", "max"}}]`, one day the object itself
/// (`{}` when there is no reading).
pub(super) fn spo2(
    value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let days: Vec<Daily> = match value {
        Value::Array(list) => list
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()
            .map_err(|e| TransformError::Malformed(format!("spo2: {e}")))?,
        Value::Object(map) if map.is_empty() => Vec::new(),
        Value::Object(map) => vec![
            serde_json::from_value(Value::Object(map))
                .map_err(|e| TransformError::Malformed(format!("spo2: {e}")))?,
        ],
        _ => return Err(TransformError::Malformed("spo2: expected a list".into())),
    };
    push_daily(
        &days,
        clock,
        SeriesType::OxygenSaturation,
        |d| d.field("avg"),
        batch,
    )
}

/// `{"br": [{"dateTime", "value": {"breathingRate"}}]}`, breaths per minute.
pub(super) fn breathing_rate(
    value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let days = daily_list(value, "br")?;
    push_daily(
        &days,
        clock,
        SeriesType::RespiratoryRate,
        |d| d.field("breathingRate"),
        batch,
    )
}

/// `{"tempSkin": [{"dateTime", "value": {"nightlyRelative"}}]}`: °C from the wearer's baseline.
pub(super) fn skin_temperature(
    value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let days = daily_list(value, "tempSkin")?;
    push_daily(
        &days,
        clock,
        SeriesType::SkinTemperatureDeviation,
        |d| d.field("nightlyRelative"),
        batch,
    )
}

/// `{"cardioScore": [{"dateTime", "value": {"vo2Max": "39-43"}}]}`: a range's midpoint, or the
/// value when Fitbit knows it exactly. Unparsable values are skipped.
pub(super) fn cardio_score(
    value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    let days = daily_list(value, "cardioScore")?;
    push_daily(
        &days,
        clock,
        SeriesType::Vo2Max,
        |d| vo2_max(d.value.get("vo2Max")?),
        batch,
    )
}

pub(crate) fn vo2_max(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (
                    low.trim().parse::<f64>().ok()?,
                    high.trim().parse::<f64>().ok()?,
                );
                Some((low + high) / 2.0)
            }
            None => s.trim().parse().ok(),
        },
        _ => None,
    }
    .filter(|v| v.is_finite() && *v > 0.0)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BodyLog {
    #[serde(default, deserialize_with = "id")]
    log_id: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    time: Option<String>,
    #[serde(default, deserialize_with = "num")]
    weight: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    bmi: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    fat: Option<f64>,
}

fn body_logs(
    mut value: Value,
    key: &str,
    clock: Clock,
    mut each: impl FnMut(&BodyLog, Sample),
) -> Result<(), TransformError> {
    if value.get(key).is_none() {
        return Err(TransformError::Malformed(format!("missing `{key}`")));
    }
    for log in items::<BodyLog>(&mut value, key)? {
        required(log.log_id.as_ref(), "body logId")?;
        let day = date("date", &required(log.date.clone(), "body log date")?)?;
        let time = match &log.time {
            Some(t) => time_of_day("time", t)?,
            None => chrono::NaiveTime::MIN,
        };
        let template = Sample {
            series: SeriesType::Weight,
            time: clock.instant(day.and_time(time)),
            zone_offset: clock.offset,
            value: 0.0,
        };
        each(&log, template);
    }
    Ok(())
}

/// `{"weight": [{"logId", "date", "time", "weight", "bmi", ..}]}`: kg (metric) and BMI.
pub(super) fn weight(
    value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    body_logs(value, "weight", clock, |log, template| {
        for (series, v) in [
            (SeriesType::Weight, log.weight),
            (SeriesType::BodyMassIndex, log.bmi),
        ] {
            if let Some(v) = v.filter(|v| *v > 0.0) {
                batch.samples.push(Sample {
                    series,
                    value: v,
                    ..template.clone()
                });
            }
        }
    })
}

/// `{"fat": [{"logId", "date", "time", "fat"}]}`: percent.
pub(super) fn fat(
    value: Value,
    clock: Clock,
    batch: &mut NormalizedBatch,
) -> Result<(), TransformError> {
    body_logs(value, "fat", clock, |log, template| {
        if let Some(v) = log.fat.filter(|v| *v > 0.0) {
            batch.samples.push(Sample {
                series: SeriesType::BodyFatPercentage,
                value: v,
                ..template
            });
        }
    })
}
