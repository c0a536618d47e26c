use chrono::{NaiveDate, TimeZone, Utc};
use domain::{SeriesType, ZoneOffset};

use super::*;

const CYCLE_PAGE: &[u8] = include_bytes!("../fixtures/cycle_page.json");
const SLEEP_PAGE: &[u8] = include_bytes!("../fixtures/sleep_page.json");
const SLEEP_DOCUMENT: &[u8] = include_bytes!("../fixtures/sleep_document.json");
const RECOVERY_PAGE: &[u8] = include_bytes!("../fixtures/recovery_page.json");
const WORKOUT_PAGE: &[u8] = include_bytes!("../fixtures/workout_page.json");
const BODY_MEASUREMENT: &[u8] = include_bytes!("../fixtures/body_measurement.json");

fn offset_minutes(minutes: i64) -> Option<ZoneOffset> {
    Some(ZoneOffset::from_seconds(minutes * 60).unwrap())
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn a_night_keeps_utc_times_and_the_separate_minus_four_hour_offset() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    assert_eq!(batch.sleeps.len(), 3);
    let night = &batch.sleeps[0];
    assert_eq!(night.external_id, "ecfc6a15-4661-442f-a9a4-f160dd7afae8");
    assert_eq!(
        night.start,
        Utc.with_ymd_and_hms(2026, 5, 24, 23, 18, 0).unwrap()
    );
    assert_eq!(
        night.end,
        Utc.with_ymd_and_hms(2026, 5, 25, 6, 51, 0).unwrap()
    );
    assert_eq!(night.zone_offset, offset_minutes(-240));
    assert!(!night.is_nap);
}

#[test]
fn sleep_stage_totals_are_converted_from_milliseconds_and_add_up_to_time_in_bed() {
    let batch = normalize("sleep", SLEEP_DOCUMENT).unwrap();
    let night = &batch.sleeps[0];
    assert_eq!(night.light_seconds, Some(13_560));
    assert_eq!(night.deep_seconds, Some(6_120), "slow wave sleep is deep");
    assert_eq!(night.rem_seconds, Some(6_120));
    assert_eq!(night.awake_seconds, Some(1_380));
    assert_eq!(night.sleep_duration_seconds, Some(25_800));
    assert_eq!(
        night.sleep_duration_seconds.unwrap() + night.awake_seconds.unwrap(),
        night.duration_seconds(),
        "asleep + awake = total_in_bed_time_milli / 1000"
    );
    assert_eq!(night.efficiency_percent, Some(94.9));
    assert_eq!(night.avg_respiratory_rate, Some(15.86));
    assert!(night.stages.is_empty(), "WHOOP publishes stage totals only");
    assert_eq!(night.avg_hrv_rmssd_ms, None, "HRV comes with the recovery");
}

#[test]
fn a_scored_sleep_yields_a_respiratory_rate_sample_at_wake_up() {
    let batch = normalize("sleep", SLEEP_DOCUMENT).unwrap();
    assert_eq!(batch.samples.len(), 1);
    let sample = &batch.samples[0];
    assert_eq!(sample.series, SeriesType::RespiratoryRate);
    assert_eq!(sample.time, batch.sleeps[0].end);
    assert_eq!(sample.zone_offset, offset_minutes(-240));
    assert_eq!(sample.value, 15.86);
}

#[test]
fn naps_and_unscored_or_unknown_score_states_keep_times_without_totals() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    let nap = &batch.sleeps[1];
    assert!(nap.is_nap);
    assert_eq!(nap.zone_offset, offset_minutes(330));
    assert_eq!(
        nap.start,
        Utc.timestamp_millis_opt(1_779_642_330_250).unwrap(),
        "milliseconds are kept"
    );
    assert_eq!(nap.sleep_duration_seconds, None);
    assert_eq!(nap.efficiency_percent, None);
    let unknown_state = &batch.sleeps[2];
    assert_eq!(unknown_state.zone_offset, Some(ZoneOffset::UTC));
    assert_eq!(unknown_state.light_seconds, None);
    assert_eq!(batch.samples.len(), 1, "only the scored night has vitals");
}

#[test]
fn recovery_vitals_are_rmssd_rhr_spo2_and_absolute_skin_temperature() {
    let batch = normalize("recovery", RECOVERY_PAGE).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 5, 25, 7, 14, 2).unwrap();
    let value = |series: SeriesType| {
        batch
            .samples
            .iter()
            .find(|s| s.series == series && s.time == at)
            .map(|s| s.value)
    };
    assert_eq!(value(SeriesType::RestingHeartRate), Some(51.2));
    assert_eq!(value(SeriesType::HeartRateVariabilityRmssd), Some(68.4));
    assert_eq!(value(SeriesType::HeartRateVariabilitySdnn), None);
    assert_eq!(value(SeriesType::OxygenSaturation), Some(96.7));
    assert_eq!(value(SeriesType::SkinTemperature), Some(33.4));
    assert_eq!(value(SeriesType::SkinTemperatureDeviation), None);
    assert!(batch.samples.iter().all(|s| s.zone_offset.is_none()));
    // Unscorable: nothing; calibrating without SpO2 and skin temperature: two samples.
    assert_eq!(batch.samples.len(), 6);
    assert!(batch.sleeps.is_empty() && batch.workouts.is_empty());
}

#[test]
fn cycles_become_days_with_kilojoules_in_kcal() {
    let batch = normalize("cycle", CYCLE_PAGE).unwrap();
    let days = &batch.daily_activity;
    assert_eq!(days.len(), 3);
    let current = &days[0];
    assert_eq!(current.external_id, "93846");
    assert_eq!(current.date, NaiveDate::from_ymd_opt(2026, 5, 26).unwrap());
    assert_eq!(current.zone_offset, offset_minutes(-240));
    assert!(close(current.total_calories_kcal, 500.0), "2092 kJ");
    let full = &days[1];
    assert_eq!(full.date, NaiveDate::from_ymd_opt(2026, 5, 25).unwrap());
    assert!(close(full.total_calories_kcal, 2400.0), "10041.6 kJ");
    assert_eq!(full.steps, None);
    let pending = &days[2];
    assert_eq!(
        pending.date,
        NaiveDate::from_ymd_opt(2026, 5, 24).unwrap(),
        "00:10 local (+05:30) starts the 24th"
    );
    assert_eq!(pending.total_calories_kcal, None);
}

#[test]
fn workouts_have_unified_types_kcal_and_the_original_offset() {
    let batch = normalize("workout", WORKOUT_PAGE).unwrap();
    let runs = &batch.workouts;
    assert_eq!(runs.len(), 3);
    let run = &runs[0];
    assert_eq!(run.external_id, "7d1f2e3a-4b5c-4d6e-9f70-8a9b0c1d2e3f");
    assert_eq!(run.workout_type, "running");
    assert_eq!(run.name.as_deref(), Some("running"));
    assert_eq!(run.duration_seconds(), 3_600);
    assert_eq!(run.zone_offset, offset_minutes(-240));
    assert!(close(run.calories_kcal, 1569.34 / 4.184));
    assert_eq!(
        run.calories_kcal.map(|k| (k * 100.0).round() / 100.0),
        Some(375.08)
    );
    assert_eq!(run.distance_meters, Some(1772.77));
    assert_eq!(run.avg_heart_rate_bpm, Some(123.0));
    assert_eq!(run.max_heart_rate_bpm, Some(146.0));
    assert_eq!(run.elevation_gain_meters, Some(46.64));
}

#[test]
fn an_unknown_sport_is_other_and_an_unscored_workout_has_no_energy() {
    let batch = normalize("workout", WORKOUT_PAGE).unwrap();
    let unknown = &batch.workouts[1];
    assert_eq!(unknown.workout_type, "other");
    assert!(close(unknown.calories_kcal, 200.0));
    assert_eq!(unknown.distance_meters, None);
    assert_eq!(unknown.zone_offset, offset_minutes(330));
    let pending = &batch.workouts[2];
    assert_eq!(pending.workout_type, "hiking");
    assert_eq!(pending.calories_kcal, None);
}

#[test]
fn body_measurements_need_the_fetch_time_and_convert_meters_to_centimeters() {
    assert!(
        normalize("body_measurement", BODY_MEASUREMENT)
            .unwrap()
            .is_empty()
    );
    let at = Utc.with_ymd_and_hms(2026, 5, 25, 12, 0, 0).unwrap();
    let samples = body_measurement_samples(BODY_MEASUREMENT, at).unwrap();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].series, SeriesType::Height);
    assert!(close(Some(samples[0].value), 182.88));
    assert_eq!(samples[1].series, SeriesType::Weight);
    assert_eq!(samples[1].value, 90.7185);
    assert!(samples.iter().all(|s| s.time == at));
}

#[test]
fn documents_missing_their_id_or_times_are_malformed() {
    let cases: [(&str, &[u8]); 6] = [
        (
            "sleep",
            br#"{"start":"2026-05-24T23:18:00Z","end":"2026-05-25T06:51:00Z"}"#,
        ),
        ("sleep", br#"{"id":"s","start":"2026-05-24T23:18:00Z"}"#),
        (
            "sleep",
            br#"{"id":"s","start":"2026-05-25T23:18:00Z","end":"2026-05-25T06:51:00Z"}"#,
        ),
        ("cycle", br#"{"id":1,"timezone_offset":"Z"}"#),
        ("recovery", br#"{"cycle_id":1,"score_state":"SCORED"}"#),
        (
            "workout",
            br#"{"id":"w","start":"yesterday","end":"2026-05-25T06:51:00Z"}"#,
        ),
    ];
    for (kind, body) in cases {
        let err = normalize(kind, body).unwrap_err();
        assert!(
            matches!(err, TransformError::Malformed(_)),
            "{kind}: {err:?}"
        );
    }
}

#[test]
fn non_objects_and_unknown_kinds_are_rejected() {
    assert!(matches!(
        normalize("sleep", b"[1,2]"),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("sleep", b"not json"),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("heartrate", b"{}"),
        Err(TransformError::UnsupportedKind(k)) if k == "heartrate"
    ));
    let empty = normalize("workout", br#"{"records":[],"next_token":null}"#).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn ids_may_be_numbers_or_strings_and_a_bad_offset_is_unknown() {
    let body = br#"{"id":"93850","start":"2026-05-25T23:27:00","timezone_offset":"EST"}"#;
    let day = &normalize("cycle", body).unwrap().daily_activity[0];
    assert_eq!(day.external_id, "93850");
    assert_eq!(day.zone_offset, None);
    assert_eq!(day.date, NaiveDate::from_ymd_opt(2026, 5, 26).unwrap());
}
