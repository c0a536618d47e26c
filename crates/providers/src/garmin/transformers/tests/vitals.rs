use chrono::{TimeZone, Utc};
use domain::SeriesType;

use super::{fixture, offset, series, ts};
use crate::garmin::transformers::normalize;

#[test]
fn stress_and_body_battery_skip_the_negative_no_data_sentinels() {
    let batch = normalize("stressDetails", fixture("stress_details")).unwrap();
    let start = 1_705_273_200;
    assert_eq!(
        series(&batch, SeriesType::GarminStressLevel),
        vec![
            (ts(start), 18.0),
            (ts(start + 180), 51.0),
            (ts(start + 720), 29.0)
        ]
    );
    assert_eq!(
        series(&batch, SeriesType::GarminBodyBattery),
        vec![
            (ts(start), 55.0),
            (ts(start + 180), 56.0),
            (ts(start + 360), 59.0)
        ]
    );
    assert!(batch.samples.iter().all(|s| s.zone_offset == offset(1)));
}

#[test]
fn all_day_respiration_is_breaths_per_minute_at_each_offset() {
    let batch = normalize("allDayRespiration", fixture("all_day_respiration")).unwrap();
    let rates = series(&batch, SeriesType::RespiratoryRate);
    assert_eq!(rates.len(), 7, "a zero rate is no reading");
    assert_eq!(rates[0], (ts(1_568_171_700), 14.63));
    assert_eq!(rates[4], (ts(1_568_172_000), 17.1));
    assert_eq!(batch.samples[0].zone_offset, offset(-5));
}

#[test]
fn pulse_ox_values_are_percent_at_each_offset_including_on_demand_readings() {
    let batch = normalize("pulseox", fixture("pulse_ox")).unwrap();
    assert_eq!(
        series(&batch, SeriesType::OxygenSaturation),
        vec![
            (ts(1_535_400_706 + 7_140), 94.0),
            (ts(1_535_400_706 + 10_740), 98.0),
            (ts(1_535_400_706 + 10_800), 99.0),
            (ts(1_572_303_600 + 55_740), 93.0),
        ]
    );
}

#[test]
fn garmin_hrv_is_rmssd_in_milliseconds_never_sdnn() {
    let batch = normalize("hrv", fixture("hrv")).unwrap();
    let rmssd = series(&batch, SeriesType::HeartRateVariabilityRmssd);
    assert_eq!(rmssd.len(), 5);
    assert_eq!(rmssd[0], (ts(1_653_976_304), 32.0));
    assert!(series(&batch, SeriesType::HeartRateVariabilitySdnn).is_empty());
    assert_eq!(batch.samples[0].zone_offset, offset(-5));
    let without_values =
        br#"{"summaryId":"h","startTimeInSeconds":1653976004,"lastNightAvg":44,"hrvValues":{}}"#;
    let batch = normalize("hrv", without_values).unwrap();
    assert_eq!(
        series(&batch, SeriesType::HeartRateVariabilityRmssd),
        vec![(ts(1_653_976_004), 44.0)]
    );
}

#[test]
fn skin_temperature_is_a_deviation_in_celsius() {
    let batch = normalize("skinTemp", fixture("skin_temp")).unwrap();
    assert_eq!(
        series(&batch, SeriesType::SkinTemperatureDeviation),
        vec![(ts(1_710_767_160), -1.6)]
    );
    assert!(series(&batch, SeriesType::SkinTemperature).is_empty());
    assert_eq!(batch.samples[0].zone_offset, offset(-6));
}

#[test]
fn a_health_snapshot_yields_one_sample_per_known_metric_with_sdrr_as_sdnn() {
    let batch = normalize("healthSnapshot", fixture("health_snapshot")).unwrap();
    let at = ts(1_630_409_178);
    assert_eq!(batch.samples.len(), 6, "unknown summary types are skipped");
    assert_eq!(series(&batch, SeriesType::HeartRate), vec![(at, 83.0)]);
    assert_eq!(
        series(&batch, SeriesType::RespiratoryRate),
        vec![(at, 14.49)]
    );
    assert_eq!(
        series(&batch, SeriesType::GarminStressLevel),
        vec![(at, 82.0)]
    );
    assert_eq!(
        series(&batch, SeriesType::OxygenSaturation),
        vec![(at, 85.0)]
    );
    assert_eq!(
        series(&batch, SeriesType::HeartRateVariabilityRmssd),
        vec![(at, 20.0)]
    );
    assert_eq!(
        series(&batch, SeriesType::HeartRateVariabilitySdnn),
        vec![(at, 32.0)]
    );
    assert!(batch.samples.iter().all(|s| s.zone_offset == offset(2)));
}

#[test]
fn body_composition_grams_become_kilograms() {
    let batch = normalize("bodyComps", fixture("body_comps")).unwrap();
    assert_eq!(
        series(&batch, SeriesType::Weight),
        vec![(ts(1_439_741_130), 75.45), (ts(1_439_784_330), 74.8)]
    );
    assert_eq!(
        series(&batch, SeriesType::SkeletalMuscleMass),
        vec![(ts(1_439_741_130), 25.478)]
    );
    assert_eq!(series(&batch, SeriesType::BodyFatPercentage)[0].1, 17.1);
    assert_eq!(series(&batch, SeriesType::BodyMassIndex)[0].1, 23.2);
    assert_eq!(batch.samples.len(), 5);
    assert_eq!(batch.samples.last().unwrap().zone_offset, offset(2));
}

#[test]
fn blood_pressure_gives_systolic_diastolic_and_pulse() {
    let batch = normalize("bloodPressures", fixture("blood_pressures")).unwrap();
    let at = ts(1_663_776_000);
    assert_eq!(
        series(&batch, SeriesType::BloodPressureSystolic),
        vec![(at, 121.0)]
    );
    assert_eq!(
        series(&batch, SeriesType::BloodPressureDiastolic),
        vec![(at, 79.0)]
    );
    assert_eq!(series(&batch, SeriesType::HeartRate), vec![(at, 69.0)]);
    assert_eq!(batch.samples[0].zone_offset, offset(-5));
}

#[test]
fn user_metrics_are_stamped_at_the_calendar_date_without_an_offset() {
    let batch = normalize("userMetrics", fixture("user_metrics")).unwrap();
    let midnight = Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap();
    assert_eq!(series(&batch, SeriesType::Vo2Max), vec![(midnight, 48.0)]);
    assert_eq!(
        series(&batch, SeriesType::GarminFitnessAge),
        vec![(midnight, 32.0)]
    );
    assert!(batch.samples.iter().all(|s| s.zone_offset.is_none()));
}
