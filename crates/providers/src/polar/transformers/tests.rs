use chrono::{NaiveDate, TimeZone, Utc};
use domain::{SeriesType, SleepSession, SleepStage, ZoneOffset};

use super::*;

const EXERCISES: &[u8] = include_bytes!("../fixtures/exercises.json");
const SLEEP: &[u8] = include_bytes!("../fixtures/sleep.json");
const SLEEP_NIGHTS: &[u8] = include_bytes!("../fixtures/sleep_nights.json");
const RECHARGE: &[u8] = include_bytes!("../fixtures/nightly_recharge.json");
const ACTIVITIES: &[u8] = include_bytes!("../fixtures/activities.json");
const HEART_RATE: &[u8] = include_bytes!("../fixtures/continuous_heart_rate.json");
const BODY_TEMPERATURE: &[u8] = include_bytes!("../fixtures/body_temperature.json");
const SKIN_TEMPERATURE: &[u8] = include_bytes!("../fixtures/skin_temperature.json");
const SPO2: &[u8] = include_bytes!("../fixtures/spo2.json");
const PHYSICAL_INFO: &[u8] = include_bytes!("../fixtures/physical_info.json");

fn offset(minutes: i64) -> Option<ZoneOffset> {
    Some(ZoneOffset::from_seconds(minutes * 60).unwrap())
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn stage_seconds(session: &SleepSession, stage: SleepStage) -> i64 {
    session
        .stages
        .iter()
        .filter(|i| i.stage == stage)
        .map(|i| (i.end - i.start).num_seconds())
        .sum()
}

fn series(batch: &NormalizedBatch, kind: SeriesType) -> Vec<&domain::Sample> {
    batch.samples.iter().filter(|s| s.series == kind).collect()
}

#[test]
fn exercise_local_start_and_offset_in_minutes_become_a_utc_instant() {
    let batch = normalize("exercise", EXERCISES).unwrap();
    assert_eq!(batch.workouts.len(), 3);
    let run = &batch.workouts[0];
    assert_eq!(run.external_id, "ABC123");
    assert_eq!(run.workout_type, "trail_running");
    assert_eq!(run.start, utc(2024, 1, 15, 6, 0, 0));
    assert_eq!(run.end, utc(2024, 1, 15, 7, 0, 0));
    assert_eq!(run.zone_offset, offset(120));
    assert_eq!(run.calories_kcal, Some(650.0));
    assert_eq!(run.distance_meters, Some(10_000.0));
    assert_eq!(run.avg_heart_rate_bpm, Some(145.0));
    assert_eq!(run.max_heart_rate_bpm, Some(175.0));
    assert_eq!(run.device.as_deref(), Some("Polar Vantage V2"));

    let ride = &batch.workouts[1];
    assert_eq!(ride.workout_type, "mountain_biking");
    assert_eq!(ride.start, utc(2024, 1, 16, 16, 30, 0));
    assert_eq!((ride.end - ride.start).num_milliseconds(), 2_730_500);
    assert_eq!(ride.distance_meters, Some(15_000.5));

    let unknown = &batch.workouts[2];
    assert_eq!(unknown.workout_type, "other");
    assert_eq!(unknown.start, utc(2024, 1, 17, 11, 0, 0));
    assert_eq!(unknown.zone_offset, offset(-300));
    assert_eq!(unknown.device, None);
    assert_eq!(unknown.calories_kcal, None);
}

#[test]
fn exercise_samples_skip_gaps_and_convert_speed_from_km_per_hour() {
    let batch = normalize("exercise", EXERCISES).unwrap();
    let hr = series(&batch, SeriesType::HeartRate);
    let values: Vec<(chrono::DateTime<Utc>, f64)> = hr.iter().map(|s| (s.time, s.value)).collect();
    assert_eq!(
        values,
        vec![
            (utc(2024, 1, 15, 6, 0, 0), 100.0),
            (utc(2024, 1, 15, 6, 0, 5), 101.0),
            (utc(2024, 1, 15, 6, 0, 20), 104.0),
        ]
    );
    assert!(hr.iter().all(|s| s.zone_offset == offset(120)));
    let speed = series(&batch, SeriesType::Speed);
    assert_eq!(speed.len(), 2);
    assert!((speed[0].value - 3.0).abs() < 1e-9);
    assert!((speed[1].value - 3.5).abs() < 1e-9);
    // RR intervals (type 11) are not a series we keep.
    assert_eq!(batch.samples.len(), 5);
}

#[test]
fn sleep_stage_intervals_cross_midnight_and_sum_to_the_stage_totals() {
    let batch = normalize("sleep", SLEEP).unwrap();
    let night = &batch.sleeps[0];
    assert_eq!(night.external_id, "sleep:2024-01-15");
    assert_eq!(night.start, utc(2024, 1, 14, 21, 0, 0));
    assert_eq!(night.end, utc(2024, 1, 15, 5, 0, 0));
    assert_eq!(night.zone_offset, offset(120));
    assert!(!night.is_nap);
    assert_eq!(night.light_seconds, Some(12_600));
    assert_eq!(night.deep_seconds, Some(6_300));
    assert_eq!(night.rem_seconds, Some(6_900));
    assert_eq!(night.awake_seconds, Some(2_400));
    assert_eq!(night.sleep_duration_seconds, Some(26_400));
    assert_eq!(night.device.as_deref(), Some("1111AAAA"));

    assert_eq!(stage_seconds(night, SleepStage::Light), 12_600);
    assert_eq!(stage_seconds(night, SleepStage::Deep), 6_300);
    assert_eq!(stage_seconds(night, SleepStage::Rem), 6_900);
    assert_eq!(stage_seconds(night, SleepStage::Awake), 2_400);
    assert_eq!(stage_seconds(night, SleepStage::Unknown), 600);
    assert_eq!(night.stages.first().unwrap().start, night.start);
    assert_eq!(night.stages.last().unwrap().end, night.end);
    for pair in night.stages.windows(2) {
        assert_eq!(pair[0].end, pair[1].start);
        assert_ne!(
            pair[0].stage, pair[1].stage,
            "lighter and light non-REM merge"
        );
    }
    // 00:50 local (+02:00) is 22:50 UTC the day before: the key wrapped past midnight.
    let light_after_deep = night
        .stages
        .iter()
        .find(|i| i.start == utc(2024, 1, 14, 22, 50, 0))
        .unwrap();
    assert_eq!(light_after_deep.stage, SleepStage::Light);
    assert_eq!(light_after_deep.end, utc(2024, 1, 14, 23, 30, 0));
}

#[test]
fn sleep_heart_rate_samples_are_anchored_to_the_night() {
    let batch = normalize("sleep", SLEEP).unwrap();
    let night = &batch.sleeps[0];
    let hr = series(&batch, SeriesType::HeartRate);
    assert_eq!(hr.len(), 6);
    assert_eq!(hr[0].time, utc(2024, 1, 14, 21, 5, 0));
    assert_eq!(
        hr[2].time,
        utc(2024, 1, 14, 22, 0, 0),
        "00:00 local is the next day"
    );
    assert_eq!(hr[5].time, utc(2024, 1, 15, 4, 55, 0));
    assert!(hr.windows(2).all(|w| w[0].time < w[1].time));
    assert_eq!(night.avg_heart_rate_bpm, Some(56.2));
    assert_eq!(night.lowest_heart_rate_bpm, Some(50.0));
}

#[test]
fn a_night_list_clamps_the_first_stage_and_tolerates_unknown_codes() {
    let batch = normalize("sleep", SLEEP_NIGHTS).unwrap();
    assert_eq!(batch.sleeps.len(), 2);
    let first = &batch.sleeps[0];
    assert_eq!(first.zone_offset, offset(-300));
    assert_eq!(first.start, utc(2024, 1, 16, 5, 39, 7));
    assert_eq!(first.stages[0].start, first.start);
    assert_eq!(first.stages[0].stage, SleepStage::Light);
    // "07:20" is after the night ended and is dropped; code 7 would have been Unknown.
    let last = first.stages.last().unwrap();
    assert_eq!((last.stage, last.end), (SleepStage::Awake, first.end));
    assert!(batch.samples.is_empty());
    let sparse = &batch.sleeps[1];
    assert!(sparse.stages.is_empty());
    assert_eq!(sparse.sleep_duration_seconds, None);
    assert_eq!(sparse.avg_heart_rate_bpm, None);
}

#[test]
fn a_sleep_without_date_or_times_is_malformed() {
    let no_date = br#"{"sleep_start_time":"2024-01-14T23:00:00+02:00","sleep_end_time":"2024-01-15T07:00:00+02:00"}"#;
    assert!(matches!(
        normalize("sleep", no_date),
        Err(TransformError::Malformed(_))
    ));
    let no_end = br#"{"date":"2024-01-15","sleep_start_time":"2024-01-14T23:00:00+02:00"}"#;
    assert!(
        matches!(normalize("sleep", no_end), Err(TransformError::Malformed(m)) if m.contains("sleep_end_time"))
    );
    let backwards = br#"{"date":"2024-01-15","sleep_start_time":"2024-01-15T07:00:00+02:00","sleep_end_time":"2024-01-14T23:00:00+02:00"}"#;
    assert!(matches!(
        normalize("sleep", backwards),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("sleep", b"nope"),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("sleep", br#"{"nights":3}"#),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn nightly_recharge_yields_rmssd_and_breathing_samples_in_the_given_offset() {
    let batch = normalize("nightly_recharge@+02:00", RECHARGE).unwrap();
    let hrv = series(&batch, SeriesType::HeartRateVariabilityRmssd);
    assert_eq!(hrv.len(), 3);
    // 23:35 belongs to the evening before the recharge date.
    assert_eq!(hrv[0].time, utc(2024, 1, 14, 21, 35, 0));
    assert_eq!(hrv[0].value, 40.0);
    assert_eq!(hrv[2].time, utc(2024, 1, 14, 22, 5, 0));
    assert_eq!(hrv[2].zone_offset, offset(120));
    let breathing = series(&batch, SeriesType::RespiratoryRate);
    assert_eq!(breathing.len(), 2);
    assert_eq!(breathing[1].value, 13.8);
    assert!(series(&batch, SeriesType::HeartRateVariabilitySdnn).is_empty());

    let unknown_offset = normalize("nightly_recharge", RECHARGE).unwrap();
    let first = &series(&unknown_offset, SeriesType::HeartRateVariabilityRmssd)[0];
    assert_eq!(first.time, utc(2024, 1, 14, 23, 35, 0));
    assert_eq!(first.zone_offset, None);
}

#[test]
fn continuous_heart_rate_uses_the_local_date_and_offset() {
    let batch = normalize("continuous_heart_rate@+02:00", HEART_RATE).unwrap();
    let times: Vec<_> = batch.samples.iter().map(|s| (s.time, s.value)).collect();
    assert_eq!(
        times,
        vec![
            (utc(2024, 1, 14, 22, 2, 8), 63.0),
            (utc(2024, 1, 14, 22, 7, 8), 62.0),
            (utc(2024, 1, 15, 21, 57, 8), 88.0),
            (utc(2024, 1, 16, 10, 0, 0), 70.0),
        ]
    );
    assert!(batch.samples.iter().all(|s| s.zone_offset == offset(120)));
    let bad = br#"{"date":"2024-01-15","heart_rate_samples":[{"heart_rate":60,"sample_time":"25:00:00"}]}"#;
    assert!(matches!(
        normalize("continuous_heart_rate", bad),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn daily_activity_maps_iso_durations_and_totals() {
    let batch = normalize("activity", ACTIVITIES).unwrap();
    assert_eq!(batch.daily_activity.len(), 2);
    let day = &batch.daily_activity[0];
    assert_eq!(day.external_id, "activity:2024-01-15");
    assert_eq!(day.date, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
    assert_eq!(day.zone_offset, None);
    assert_eq!(day.steps, Some(9_800));
    assert_eq!(day.active_calories_kcal, Some(600.0));
    assert_eq!(day.total_calories_kcal, Some(2_300.0));
    assert_eq!(day.distance_meters, Some(7_200.0));
    assert_eq!(day.active_seconds, Some(5_400));
    assert_eq!(day.sedentary_seconds, Some(36_000));
    assert_eq!(batch.daily_activity[1].active_seconds, Some(2_730));
    let single = br#"{"start_time":"2024-01-20T00:00:00","steps":12}"#;
    assert_eq!(
        normalize("activity", single).unwrap().daily_activity[0].steps,
        Some(12)
    );
    assert!(matches!(
        normalize("activity", br#"[{"steps":1}]"#),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn biosensing_temperatures_keep_core_and_skin_apart_and_skip_unknown_types() {
    let batch = normalize("body_temperature", BODY_TEMPERATURE).unwrap();
    let core = series(&batch, SeriesType::BodyTemperature);
    assert_eq!(core.len(), 2);
    assert_eq!(core[1].time, utc(2024, 1, 15, 4, 1, 0));
    assert_eq!(core[1].value, 36.6);
    let skin = series(&batch, SeriesType::SkinTemperature);
    assert_eq!(skin.len(), 1);
    assert_eq!(skin[0].time, utc(2024, 1, 15, 4, 0, 30));
    assert_eq!(batch.samples.len(), 3, "TM_UNKNOWN is not guessed at");

    let nights = normalize("skin_temperature@+02:00", SKIN_TEMPERATURE).unwrap();
    let skin = series(&nights, SeriesType::SkinTemperature);
    assert_eq!(skin.len(), 2);
    assert_eq!(skin[0].time, utc(2024, 1, 14, 22, 0, 0));
    assert_eq!(skin[0].value, 34.2);
    let deviation = series(&nights, SeriesType::SkinTemperatureDeviation);
    assert_eq!(deviation.len(), 1);
    assert_eq!(deviation[0].value, -0.3);
}

#[test]
fn spo2_tests_use_epoch_seconds_and_minute_offsets_and_only_passed_ones_count() {
    let batch = normalize("spo2", SPO2).unwrap();
    let spo2 = series(&batch, SeriesType::OxygenSaturation);
    assert_eq!(spo2.len(), 1);
    assert_eq!(spo2[0].time, utc(2024, 1, 15, 8, 0, 0));
    assert_eq!(spo2[0].zone_offset, offset(120));
    assert_eq!(spo2[0].value, 97.0);
    assert_eq!(series(&batch, SeriesType::HeartRate)[0].value, 58.0);
    assert_eq!(batch.samples.len(), 2);
}

#[test]
fn physical_info_becomes_body_samples_at_its_modification_time() {
    let batch = normalize("physical_info", PHYSICAL_INFO).unwrap();
    let get = |kind| series(&batch, kind)[0].value;
    assert_eq!(get(SeriesType::Weight), 70.5);
    assert_eq!(get(SeriesType::Height), 175.0);
    assert_eq!(get(SeriesType::RestingHeartRate), 52.0);
    assert_eq!(get(SeriesType::Vo2Max), 50.0);
    assert!(
        batch
            .samples
            .iter()
            .all(|s| s.time == utc(2024, 1, 10, 12, 0, 0))
    );
    assert!(matches!(
        normalize("physical_info", br#"{"weight":70}"#),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn unknown_kinds_and_missing_ids_are_rejected_and_empty_lists_are_empty() {
    assert!(
        matches!(normalize("cardio_load", b"[]"), Err(TransformError::UnsupportedKind(k)) if k == "cardio_load")
    );
    assert!(matches!(
        normalize("exercise@+01:00", b"[]"),
        Err(TransformError::UnsupportedKind(_))
    ));
    assert!(normalize("exercise", b"[]").unwrap().is_empty());
    assert!(normalize("sleep", br#"{"nights":[]}"#).unwrap().is_empty());
    let no_id = br#"[{"start_time":"2024-01-15T08:00:00","duration":"PT1H"}]"#;
    assert!(
        matches!(normalize("exercise", no_id), Err(TransformError::Malformed(m)) if m.contains("id"))
    );
    let bad_duration = br#"{"id":"x","start_time":"2024-01-15T08:00:00","duration":"one hour"}"#;
    assert!(matches!(
        normalize("exercise", bad_duration),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn iso_durations_parse_hours_minutes_fractions_and_days() {
    assert_eq!(iso_duration_seconds("PT1H0M0S"), Some(3_600.0));
    assert_eq!(iso_duration_seconds("PT18H23M30S"), Some(66_210.0));
    assert_eq!(iso_duration_seconds("PT0.5S"), Some(0.5));
    assert_eq!(iso_duration_seconds("P1DT2H"), Some(93_600.0));
    assert_eq!(iso_duration_seconds("PT"), None);
    assert_eq!(iso_duration_seconds("1H"), None);
    assert_eq!(iso_duration_seconds("PT5X"), None);
    assert_eq!(iso_duration_seconds("PT12"), None);
}
