use chrono::{NaiveDate, TimeZone, Utc};
use domain::{SeriesType, SleepStage, ZoneOffset};

use super::*;

const SLEEP_PAGE: &[u8] = include_bytes!("../fixtures/sleep_page.json");
const SLEEP_DOCUMENT: &[u8] = include_bytes!("../fixtures/sleep_document.json");
const HEARTRATE_PAGE: &[u8] = include_bytes!("../fixtures/heartrate_page.json");
const WORKOUT_PAGE: &[u8] = include_bytes!("../fixtures/workout_page.json");
const DAILY_ACTIVITY_PAGE: &[u8] = include_bytes!("../fixtures/daily_activity_page.json");

fn offset(hours: i64) -> Option<ZoneOffset> {
    Some(ZoneOffset::from_seconds(hours * 3600).unwrap())
}

fn stage_seconds(session: &domain::SleepSession, stage: SleepStage) -> i64 {
    session
        .stages
        .iter()
        .filter(|i| i.stage == stage)
        .map(|i| (i.end - i.start).num_seconds())
        .sum()
}

#[test]
fn a_plus_one_hour_bedtime_maps_to_the_right_utc_instant() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    let night = &batch.sleeps[0];
    assert_eq!(night.external_id, "8f1d2c3b-4a5e-4f60-9a7b-1c2d3e4f5a6b");
    assert_eq!(
        night.start,
        Utc.with_ymd_and_hms(2024, 1, 14, 21, 45, 0).unwrap()
    );
    assert_eq!(
        night.end,
        Utc.with_ymd_and_hms(2024, 1, 15, 5, 50, 0).unwrap()
    );
    assert_eq!(night.zone_offset, offset(1));
    assert_eq!(night.duration_seconds(), 29_100);
    assert!(!night.is_nap);
}

#[test]
fn sleep_totals_and_vitals_are_in_canonical_units() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    let night = &batch.sleeps[0];
    assert_eq!(night.sleep_duration_seconds, Some(26_400));
    assert_eq!(night.deep_seconds, Some(5_400));
    assert_eq!(night.light_seconds, Some(14_400));
    assert_eq!(night.rem_seconds, Some(6_600));
    assert_eq!(night.awake_seconds, Some(2_700));
    assert_eq!(night.efficiency_percent, Some(91.0));
    assert_eq!(night.avg_heart_rate_bpm, Some(55.0));
    assert_eq!(night.lowest_heart_rate_bpm, Some(48.0));
    assert_eq!(night.avg_hrv_rmssd_ms, Some(42.0));
    assert_eq!(night.avg_respiratory_rate, Some(15.5));
}

#[test]
fn stage_intervals_sum_to_the_stage_durations_and_are_contiguous() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    let night = &batch.sleeps[0];
    assert_eq!(stage_seconds(night, SleepStage::Deep), 5_400);
    assert_eq!(stage_seconds(night, SleepStage::Light), 14_400);
    assert_eq!(stage_seconds(night, SleepStage::Rem), 6_600);
    assert_eq!(stage_seconds(night, SleepStage::Awake), 2_700);
    assert_eq!(night.stages.first().unwrap().start, night.start);
    assert_eq!(night.stages.last().unwrap().end, night.end);
    for pair in night.stages.windows(2) {
        assert_eq!(pair[0].end, pair[1].start);
        assert_ne!(pair[0].stage, pair[1].stage, "adjacent runs are merged");
    }
    assert_eq!(night.stages[0].stage, SleepStage::Awake);
    assert_eq!(
        (night.stages[0].end - night.stages[0].start).num_seconds(),
        600
    );
}

#[test]
fn naps_are_flagged_and_their_last_stage_is_clipped_to_bedtime_end() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    let nap = &batch.sleeps[1];
    assert!(nap.is_nap);
    assert_eq!(
        nap.end,
        Utc.with_ymd_and_hms(2024, 1, 15, 13, 37, 30).unwrap()
    );
    let last = nap.stages.last().unwrap();
    assert_eq!(last.stage, SleepStage::Awake);
    assert_eq!(last.end, nap.end);
    assert_eq!((last.end - last.start).num_seconds(), 150);
    assert_eq!(stage_seconds(nap, SleepStage::Light), 1_800);
    let total: i64 = nap
        .stages
        .iter()
        .map(|i| (i.end - i.start).num_seconds())
        .sum();
    assert_eq!(total, nap.duration_seconds());
}

#[test]
fn deleted_sleeps_become_deletions_not_sessions() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    assert_eq!(batch.sleeps.len(), 2);
    assert_eq!(
        batch.deleted_external_ids,
        vec!["5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c"]
    );
}

#[test]
fn hrv_items_become_rmssd_samples_skipping_nulls() {
    let batch = normalize("sleep", SLEEP_PAGE).unwrap();
    // Night: 97 items, 2 null; nap: 8 items, 3 null.
    assert_eq!(batch.samples.len(), 95 + 5);
    assert!(
        batch
            .samples
            .iter()
            .all(|s| s.series == SeriesType::HeartRateVariabilityRmssd)
    );
    // The night's first item is null, so its first sample is item 1, five minutes in.
    let first = &batch.samples[0];
    assert_eq!(
        first.time,
        Utc.with_ymd_and_hms(2024, 1, 14, 21, 50, 0).unwrap()
    );
    assert_eq!(first.zone_offset, offset(1));
    // The nap's samples start at item 1 (14:05 local = 13:05 UTC).
    assert_eq!(
        batch.samples[95].time,
        Utc.with_ymd_and_hms(2024, 1, 15, 13, 5, 0).unwrap()
    );
    assert_eq!(batch.samples[95].value, 33.0);
}

#[test]
fn a_single_sleep_document_with_sparse_fields_normalizes_with_nones() {
    let batch = normalize("sleep", SLEEP_DOCUMENT).unwrap();
    assert_eq!(batch.sleeps.len(), 1);
    let s = &batch.sleeps[0];
    assert_eq!(s.start, Utc.with_ymd_and_hms(2024, 3, 2, 7, 30, 0).unwrap());
    assert_eq!(s.zone_offset, offset(-8));
    assert_eq!(s.sleep_duration_seconds, Some(24_900));
    assert_eq!(s.deep_seconds, None);
    assert_eq!(s.efficiency_percent, None);
    assert_eq!(s.avg_hrv_rmssd_ms, None);
    assert!(s.stages.is_empty());
    assert!(batch.samples.is_empty());
}

#[test]
fn a_sleep_without_bedtimes_or_id_is_malformed() {
    let no_end = br#"{"id":"x","type":"long_sleep","bedtime_start":"2024-01-14T22:45:00+01:00"}"#;
    assert!(
        matches!(normalize("sleep", no_end), Err(TransformError::Malformed(m)) if m.contains("bedtime_end"))
    );
    let no_id = br#"{"data":[{"type":"long_sleep","bedtime_start":"2024-01-14T22:45:00+01:00","bedtime_end":"2024-01-15T06:50:00+01:00"}]}"#;
    assert!(
        matches!(normalize("sleep", no_id), Err(TransformError::Malformed(m)) if m.contains("sleep[0]"))
    );
    let bad_time =
        br#"{"id":"x","bedtime_start":"yesterday","bedtime_end":"2024-01-15T06:50:00+01:00"}"#;
    assert!(matches!(
        normalize("sleep", bad_time),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("sleep", b"not json"),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("sleep", b"[1,2]"),
        Err(TransformError::Malformed(_))
    ));
}

#[test]
fn unknown_sleep_types_and_phase_characters_do_not_fail_the_payload() {
    let body = br#"{"id":"x","type":"micro_nap","bedtime_start":"2024-01-14T22:00:00+00:00","bedtime_end":"2024-01-14T22:15:00+00:00","sleep_phase_5_min":"2x2"}"#;
    let batch = normalize("sleep", body).unwrap();
    let s = &batch.sleeps[0];
    assert!(s.is_nap);
    let stages: Vec<_> = s.stages.iter().map(|i| i.stage).collect();
    assert_eq!(
        stages,
        vec![SleepStage::Light, SleepStage::Unknown, SleepStage::Light]
    );
}

#[test]
fn heart_rate_rows_become_utc_samples_with_their_offsets() {
    let batch = normalize("heartrate", HEARTRATE_PAGE).unwrap();
    assert_eq!(batch.samples.len(), 7);
    let first = &batch.samples[0];
    assert_eq!(first.series, SeriesType::HeartRate);
    assert_eq!(
        first.time,
        Utc.with_ymd_and_hms(2024, 1, 15, 6, 0, 0).unwrap()
    );
    assert_eq!(first.zone_offset, offset(1));
    assert_eq!(first.value, 62.0);
    let last = batch.samples.last().unwrap();
    assert_eq!(last.zone_offset, offset(0));
    assert_eq!(last.value, 58.0);
}

#[test]
fn workouts_map_types_names_and_units() {
    let batch = normalize("workout", WORKOUT_PAGE).unwrap();
    assert_eq!(batch.workouts.len(), 3);
    let run = &batch.workouts[0];
    assert_eq!(run.workout_type, "running");
    assert_eq!(run.name, None);
    assert_eq!(
        run.start,
        Utc.with_ymd_and_hms(2024, 1, 15, 6, 30, 0).unwrap()
    );
    assert_eq!(run.duration_seconds(), 35 * 60);
    assert_eq!(run.calories_kcal, Some(350.5));
    assert_eq!(run.distance_meters, Some(5000.0));
    assert_eq!(run.zone_offset, offset(1));
    let ride = &batch.workouts[1];
    assert_eq!(ride.workout_type, "cycling");
    assert_eq!(ride.name.as_deref(), Some("Commute home"));
    let unknown = &batch.workouts[2];
    assert_eq!(unknown.workout_type, "other");
    assert_eq!(unknown.zone_offset, offset(-5));
    assert_eq!(
        unknown.start,
        Utc.with_ymd_and_hms(2024, 1, 17, 0, 0, 0).unwrap()
    );
    assert_eq!(unknown.calories_kcal, None);
}

#[test]
fn daily_activity_maps_totals_and_activity_seconds() {
    let batch = normalize("daily_activity", DAILY_ACTIVITY_PAGE).unwrap();
    let day = &batch.daily_activity[0];
    assert_eq!(day.external_id, "d7a1e2f3-4b5c-4d6e-8f90-a1b2c3d4e5f6");
    assert_eq!(day.date, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
    assert_eq!(day.zone_offset, offset(1));
    assert_eq!(day.steps, Some(9_800));
    assert_eq!(day.active_calories_kcal, Some(450.0));
    assert_eq!(day.total_calories_kcal, Some(2_400.0));
    assert_eq!(day.distance_meters, Some(8_200.0));
    assert_eq!(day.high_activity_seconds, Some(1_200));
    assert_eq!(day.medium_activity_seconds, Some(2_400));
    assert_eq!(day.low_activity_seconds, Some(9_000));
    assert_eq!(day.active_seconds, Some(12_600));
    assert_eq!(day.sedentary_seconds, Some(30_000));
}

#[test]
fn unsupported_kinds_and_empty_pages() {
    assert!(
        matches!(normalize("daily_readiness", b"{}"), Err(TransformError::UnsupportedKind(k)) if k == "daily_readiness")
    );
    let empty = normalize("workout", br#"{"data":[],"next_token":null}"#).unwrap();
    assert!(empty.is_empty());
}
