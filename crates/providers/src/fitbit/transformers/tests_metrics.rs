//! Transformer tests over the fixtures: heart rate, nightly metrics, VO2 max, body logs.

use chrono::{TimeZone, Utc};
use domain::{Sample, SeriesType};

use super::metrics::vo2_max;
use super::normalize;
use super::tests::minus_five;
use crate::error::TransformError;

const HEART: &[u8] = include_bytes!("../fixtures/heart.json");
const HRV: &[u8] = include_bytes!("../fixtures/hrv.json");
const SPO2: &[u8] = include_bytes!("../fixtures/spo2.json");
const BR: &[u8] = include_bytes!("../fixtures/br.json");
const TEMP_SKIN: &[u8] = include_bytes!("../fixtures/temp_skin.json");
const CARDIOSCORE: &[u8] = include_bytes!("../fixtures/cardioscore.json");
const WEIGHT: &[u8] = include_bytes!("../fixtures/weight.json");
const FAT: &[u8] = include_bytes!("../fixtures/fat.json");

fn of(samples: &[Sample], series: SeriesType) -> Vec<&Sample> {
    samples.iter().filter(|s| s.series == series).collect()
}

/// Local midnight of January `day` 2024 at UTC-5.
fn midnight(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, day, 5, 0, 0).unwrap()
}

#[test]
fn heart_gives_resting_heart_rate_at_local_midnight_and_intraday_samples() {
    let batch = normalize("heart@-05:00", HEART).unwrap();
    let resting = of(&batch.samples, SeriesType::RestingHeartRate);
    assert_eq!(resting.len(), 1);
    assert_eq!(resting[0].value, 57.0);
    assert_eq!(resting[0].time, midnight(15));
    assert_eq!(resting[0].zone_offset, Some(minus_five()));
    let intraday = of(&batch.samples, SeriesType::HeartRate);
    assert_eq!(intraday.len(), 5);
    assert_eq!(intraday[0].time, midnight(15));
    assert_eq!(intraday[0].value, 61.0);
    assert_eq!(
        intraday[3].time,
        Utc.with_ymd_and_hms(2024, 1, 15, 12, 30, 0).unwrap()
    );
    assert_eq!(intraday[3].value, 151.0);
    assert_eq!(
        intraday[4].time,
        Utc.with_ymd_and_hms(2024, 1, 16, 4, 59, 0).unwrap()
    );
}

#[test]
fn heart_ranges_without_intraday_and_bad_times_are_handled() {
    let range = br#"{"activities-heart":[{"dateTime":"2024-01-14","value":{"restingHeartRate":58}},
        {"dateTime":"2024-01-15","value":{"heartRateZones":[]}}]}"#;
    let batch = normalize("heart@-05:00", range).unwrap();
    assert_eq!(
        batch.samples.len(),
        1,
        "a day without a resting rate gives none"
    );
    let bad_time = br#"{"activities-heart":[{"dateTime":"2024-01-15","value":{}}],
        "activities-heart-intraday":{"dataset":[{"time":"25:00:00","value":60}]}}"#;
    assert!(matches!(
        normalize("heart", bad_time),
        Err(TransformError::Malformed(_))
    ));
    let undated = br#"{"activities-heart":[],"activities-heart-intraday":{"dataset":[{"time":"01:00:00","value":60}]}}"#;
    assert!(matches!(
        normalize("heart", undated),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("heart", b"{}"),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn hrv_is_the_daily_rmssd_in_milliseconds() {
    let batch = normalize("hrv@-05:00", HRV).unwrap();
    assert_eq!(batch.samples.len(), 2);
    assert!(
        batch
            .samples
            .iter()
            .all(|s| s.series == SeriesType::HeartRateVariabilityRmssd)
    );
    assert!(of(&batch.samples, SeriesType::HeartRateVariabilitySdnn).is_empty());
    assert_eq!(batch.samples[1].value, 34.9);
    assert_eq!(batch.samples[1].time, midnight(15));
}

#[test]
fn spo2_ranges_and_single_days_give_the_average_percent() {
    let batch = normalize("spo2@-05:00", SPO2).unwrap();
    let values: Vec<f64> = batch.samples.iter().map(|s| s.value).collect();
    assert_eq!(values, vec![96.8, 97.5]);
    assert!(
        batch
            .samples
            .iter()
            .all(|s| s.series == SeriesType::OxygenSaturation)
    );
    let single = br#"{"dateTime":"2024-01-15","value":{"avg":95.1,"min":91,"max":99}}"#;
    assert_eq!(
        normalize("spo2@-05:00", single).unwrap().samples[0].value,
        95.1
    );
    assert!(normalize("spo2@-05:00", b"{}").unwrap().is_empty());
    assert!(matches!(
        normalize("spo2", br#"[{"value":{"avg":95}}]"#),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn breathing_rate_and_skin_temperature_variation_are_daily_samples() {
    let br = normalize("br@-05:00", BR).unwrap();
    assert_eq!(br.samples[1].series, SeriesType::RespiratoryRate);
    assert_eq!(br.samples[1].value, 15.8);
    let temp = normalize("temp_skin@-05:00", TEMP_SKIN).unwrap();
    assert_eq!(temp.samples[1].series, SeriesType::SkinTemperatureDeviation);
    assert_eq!(temp.samples[1].value, -0.3);
    assert_eq!(temp.samples[1].time, midnight(15));
}

#[test]
fn vo2_max_ranges_become_midpoints_and_unknown_values_are_skipped() {
    let batch = normalize("cardioscore@-05:00", CARDIOSCORE).unwrap();
    let values: Vec<f64> = batch.samples.iter().map(|s| s.value).collect();
    assert_eq!(values, vec![41.0, 44.12]);
    assert!(batch.samples.iter().all(|s| s.series == SeriesType::Vo2Max));
    assert_eq!(vo2_max(&serde_json::json!(42)), Some(42.0));
    assert_eq!(vo2_max(&serde_json::json!("x-y")), None);
}

#[test]
fn weight_logs_give_kilograms_and_bmi_at_their_local_time() {
    let batch = normalize("weight@-05:00", WEIGHT).unwrap();
    let weights = of(&batch.samples, SeriesType::Weight);
    assert_eq!(weights.len(), 2);
    assert_eq!(weights[0].value, 75.2);
    assert_eq!(
        weights[0].time,
        Utc.with_ymd_and_hms(2024, 1, 15, 12, 30, 0).unwrap()
    );
    assert_eq!(
        of(&batch.samples, SeriesType::BodyMassIndex)[1].value,
        23.42
    );
    assert!(
        of(&batch.samples, SeriesType::BodyFatPercentage).is_empty(),
        "fat comes from the fat log only"
    );
}

#[test]
fn fat_logs_give_body_fat_percent() {
    let batch = normalize("fat@-05:00", FAT).unwrap();
    assert_eq!(batch.samples.len(), 1);
    assert_eq!(batch.samples[0].series, SeriesType::BodyFatPercentage);
    assert_eq!(batch.samples[0].value, 18.5);
    assert_eq!(batch.samples[0].zone_offset, Some(minus_five()));
}

#[test]
fn body_logs_without_an_id_or_date_are_malformed() {
    for bad in [
        r#"{"weight":[{"date":"2024-01-15","time":"07:30:00","weight":75}]}"#,
        r#"{"weight":[{"logId":1,"time":"07:30:00","weight":75}]}"#,
        r#"{"weight":[{"logId":1,"date":"2024-01-15","time":"7h30","weight":75}]}"#,
        r#"{"fat":[]}"#,
    ] {
        assert!(
            matches!(
                normalize("weight", bad.as_bytes()),
                Err(TransformError::Malformed(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn daily_metrics_without_a_date_are_malformed() {
    for (kind, body) in [
        ("hrv", r#"{"hrv":[{"value":{"dailyRmssd":30}}]}"#),
        (
            "br",
            r#"{"br":[{"dateTime":"15/01/2024","value":{"breathingRate":15}}]}"#,
        ),
        ("temp_skin", r#"{"temp":[]}"#),
        ("cardioscore", r#"{"cardioScore":{"a":1}}"#),
    ] {
        assert!(
            matches!(
                normalize(kind, body.as_bytes()),
                Err(TransformError::Malformed(_))
            ),
            "{kind}: {body}"
        );
    }
}
