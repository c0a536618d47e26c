//! Transformer tests over the fixtures: exercise logs, daily summaries and sleep.

use chrono::{TimeZone, Utc};
use domain::{SeriesType, SleepStage, ZoneOffset};

use super::normalize;
use super::sleep::{overlay, stage};
use crate::error::TransformError;

pub(super) const ACTIVITY_LOG: &[u8] = include_bytes!("../fixtures/activity_log.json");
pub(super) const ACTIVITY_SUMMARY: &[u8] = include_bytes!("../fixtures/activity_summary.json");
pub(super) const SLEEP: &[u8] = include_bytes!("../fixtures/sleep.json");

pub(super) fn minus_five() -> ZoneOffset {
    ZoneOffset::from_seconds(-5 * 3600).unwrap()
}

#[test]
fn exercise_logs_become_workouts_in_meters_with_their_own_offset() {
    let batch = normalize("activity_log", ACTIVITY_LOG).unwrap();
    assert_eq!(batch.workouts.len(), 3);
    let run = &batch.workouts[0];
    assert_eq!(run.external_id, "60375215611");
    assert_eq!(run.workout_type, "running");
    assert_eq!(run.name.as_deref(), Some("Run"));
    assert_eq!(
        run.start,
        Utc.with_ymd_and_hms(2024, 1, 15, 12, 2, 0).unwrap()
    );
    assert_eq!(run.duration_seconds(), 3000, "duration is milliseconds");
    assert_eq!(run.zone_offset, Some(minus_five()));
    assert!(
        (run.distance_meters.unwrap() - 8420.0).abs() < 1e-6,
        "km → m"
    );
    assert_eq!(run.calories_kcal, Some(512.0));
    assert_eq!(run.avg_heart_rate_bpm, Some(148.0));
    assert_eq!(run.elevation_gain_meters, Some(42.7));
    assert_eq!(run.device.as_deref(), Some("Charge 6"));

    let weights = &batch.workouts[1];
    assert_eq!(weights.workout_type, "strength_training");
    assert_eq!(weights.distance_meters, None);
    assert_eq!(weights.device, None);

    let unknown = &batch.workouts[2];
    assert_eq!(
        unknown.workout_type, "other",
        "unknown type ids are tolerated"
    );
    assert!((unknown.distance_meters.unwrap() - 1.9 * 1609.344).abs() < 1e-6);
    assert!((unknown.elevation_gain_meters.unwrap() - 3.048).abs() < 1e-9);
}

#[test]
fn an_exercise_log_without_an_id_or_start_is_malformed() {
    for body in [
        r#"{"activities":[{"startTime":"2024-01-15T07:02:00.000-05:00","duration":1000}]}"#,
        r#"{"activities":[{"logId":1,"duration":1000}]}"#,
        r#"{"activities":[{"logId":1,"startTime":"2024-01-15T07:02:00.000","duration":1000}]}"#,
        r#"{"activities":[{"logId":1,"startTime":"2024-01-15T07:02:00.000-05:00"}]}"#,
        r#"{"pagination":{}}"#,
    ] {
        assert!(
            matches!(
                normalize("activity_log", body.as_bytes()),
                Err(TransformError::Malformed(_))
            ),
            "{body}"
        );
    }
    let empty = normalize(
        "activity_log",
        br#"{"activities":[],"pagination":{"next":""}}"#,
    );
    assert!(empty.unwrap().is_empty());
}

#[test]
fn an_unknown_distance_unit_drops_the_distance_not_the_workout() {
    let body = br#"{"activities":[{"logId":7,"startTime":"2024-01-15T07:02:00.000+01:00","duration":60000,"distance":3,"distanceUnit":"Furlong"}]}"#;
    let batch = normalize("activity_log", body).unwrap();
    assert_eq!(batch.workouts[0].distance_meters, None);
    assert_eq!(
        batch.workouts[0].zone_offset,
        Some(ZoneOffset::from_seconds(3600).unwrap())
    );
}

#[test]
fn the_daily_summary_takes_its_date_and_offset_from_the_kind() {
    let batch = normalize("activity_summary@2024-01-15-05:00", ACTIVITY_SUMMARY).unwrap();
    let day = &batch.daily_activity[0];
    assert_eq!(day.external_id, "2024-01-15");
    assert_eq!(
        day.date,
        chrono::NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()
    );
    assert_eq!(day.zone_offset, Some(minus_five()));
    assert_eq!(day.steps, Some(14233));
    assert_eq!(day.total_calories_kcal, Some(2681.0));
    assert_eq!(day.active_calories_kcal, Some(1180.0));
    assert!(
        (day.distance_meters.unwrap() - 11620.0).abs() < 1e-6,
        "total km → m"
    );
    assert_eq!(day.sedentary_seconds, Some(692 * 60));
    assert_eq!(day.low_activity_seconds, Some(214 * 60));
    assert_eq!(day.medium_activity_seconds, Some(22 * 60));
    assert_eq!(day.high_activity_seconds, Some(41 * 60));
    assert_eq!(day.active_seconds, Some((214 + 22 + 41) * 60));
    assert_eq!(batch.samples.len(), 1);
    let floors = &batch.samples[0];
    assert_eq!(floors.series, SeriesType::FlightsClimbed);
    assert_eq!(floors.value, 12.0);
    assert_eq!(
        floors.time,
        Utc.with_ymd_and_hms(2024, 1, 15, 5, 0, 0).unwrap()
    );
}

#[test]
fn a_daily_summary_without_a_date_in_its_kind_or_a_summary_is_malformed() {
    assert!(matches!(
        normalize("activity_summary", ACTIVITY_SUMMARY),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("activity_summary@2024-01-15", br#"{"goals":{}}"#),
        Err(TransformError::Malformed(_))
    ));
    let no_offset = normalize("activity_summary@2024-01-15", ACTIVITY_SUMMARY).unwrap();
    assert_eq!(no_offset.daily_activity[0].zone_offset, None);
}

#[test]
fn stage_sleep_has_intervals_that_sum_to_fitbits_stage_totals() {
    let batch = normalize("sleep@-05:00", SLEEP).unwrap();
    assert_eq!(batch.sleeps.len(), 2);
    let night = &batch.sleeps[0];
    assert_eq!(night.external_id, "44372093455");
    assert!(!night.is_nap);
    assert_eq!(
        night.start,
        Utc.with_ymd_and_hms(2024, 1, 15, 4, 10, 0).unwrap()
    );
    assert_eq!(
        night.end,
        Utc.with_ymd_and_hms(2024, 1, 15, 11, 40, 0).unwrap()
    );
    assert_eq!(night.zone_offset, Some(minus_five()));
    assert_eq!(night.duration_seconds(), 450 * 60);
    assert_eq!(night.sleep_duration_seconds, Some(419 * 60));
    assert_eq!(night.efficiency_percent, Some(93.0));
    assert_eq!(night.deep_seconds, Some(80 * 60));
    assert_eq!(night.light_seconds, Some(259 * 60));
    assert_eq!(night.rem_seconds, Some(80 * 60));
    assert_eq!(night.awake_seconds, Some(31 * 60));

    let total = |s: SleepStage| -> i64 {
        night
            .stages
            .iter()
            .filter(|i| i.stage == s)
            .map(|i| (i.end - i.start).num_seconds())
            .sum()
    };
    assert_eq!(Some(total(SleepStage::Deep)), night.deep_seconds);
    assert_eq!(Some(total(SleepStage::Light)), night.light_seconds);
    assert_eq!(Some(total(SleepStage::Rem)), night.rem_seconds);
    assert_eq!(Some(total(SleepStage::Awake)), night.awake_seconds);
    assert_eq!(night.stages.first().unwrap().start, night.start);
    assert_eq!(night.stages.last().unwrap().end, night.end);
    for pair in night.stages.windows(2) {
        assert_eq!(pair[0].end, pair[1].start, "contiguous");
        assert_ne!(pair[0].stage, pair[1].stage, "merged");
    }
}

#[test]
fn classic_naps_map_asleep_to_sleeping_and_restless_to_awake() {
    let batch = normalize("sleep@-05:00", SLEEP).unwrap();
    let nap = &batch.sleeps[1];
    assert!(nap.is_nap);
    assert_eq!(nap.sleep_duration_seconds, Some(38 * 60));
    assert_eq!(nap.awake_seconds, Some(7 * 60));
    assert_eq!(nap.deep_seconds, None);
    let stages: Vec<SleepStage> = nap.stages.iter().map(|i| i.stage).collect();
    assert_eq!(
        stages,
        vec![
            SleepStage::Sleeping,
            SleepStage::Awake,
            SleepStage::Sleeping,
            SleepStage::Awake
        ]
    );
    let awake: i64 = nap
        .stages
        .iter()
        .filter(|i| i.stage == SleepStage::Awake)
        .map(|i| (i.end - i.start).num_seconds())
        .sum();
    assert_eq!(Some(awake), nap.awake_seconds);
}

#[test]
fn sleep_without_an_offset_is_read_as_utc_with_an_unknown_zone() {
    let batch = normalize("sleep", SLEEP).unwrap();
    assert_eq!(
        batch.sleeps[0].start,
        Utc.with_ymd_and_hms(2024, 1, 14, 23, 10, 0).unwrap()
    );
    assert_eq!(batch.sleeps[0].zone_offset, None);
}

#[test]
fn unknown_sleep_levels_are_tolerated_and_missing_times_are_malformed() {
    let body = br#"{"sleep":[{"logId":1,"startTime":"2024-01-14T23:00:00.000","endTime":"2024-01-14T23:02:00.000","type":"stages",
        "levels":{"data":[{"dateTime":"2024-01-14T23:00:00.000","level":"dreaming","seconds":120}]}}]}"#;
    let batch = normalize("sleep@+00:00", body).unwrap();
    assert_eq!(batch.sleeps[0].stages[0].stage, SleepStage::Unknown);
    assert_eq!(stage("awake"), SleepStage::Awake);
    for bad in [
        r#"{"sleep":[{"logId":1,"endTime":"2024-01-14T23:02:00.000"}]}"#,
        r#"{"sleep":[{"startTime":"2024-01-14T23:00:00.000","endTime":"2024-01-14T23:02:00.000"}]}"#,
        r#"{"sleep":[{"logId":1,"startTime":"2024-01-15T23:00:00.000","endTime":"2024-01-14T23:02:00.000"}]}"#,
        r#"{"summary":{}}"#,
        r#"[1,2]"#,
    ] {
        assert!(
            matches!(
                normalize("sleep@+00:00", bad.as_bytes()),
                Err(TransformError::Malformed(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn short_wakes_split_the_stage_they_fall_in() {
    let t =
        |m: i64| Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(m);
    let iv = |stage, a, b| domain::StageInterval {
        stage,
        start: t(a),
        end: t(b),
    };
    let data = [iv(SleepStage::Light, 0, 30), iv(SleepStage::Deep, 30, 60)];
    let wakes = [iv(SleepStage::Awake, 10, 12), iv(SleepStage::Awake, 29, 31)];
    assert_eq!(
        overlay(&data, &wakes),
        vec![
            iv(SleepStage::Light, 0, 10),
            iv(SleepStage::Awake, 10, 12),
            iv(SleepStage::Light, 12, 29),
            iv(SleepStage::Awake, 29, 31),
            iv(SleepStage::Deep, 31, 60),
        ]
    );
}

#[test]
fn unknown_kinds_and_bad_json_are_rejected() {
    assert!(matches!(
        normalize("foods", b"{}"),
        Err(TransformError::UnsupportedKind(_))
    ));
    assert!(matches!(
        normalize("sleep@bogus", b"{}"),
        Err(TransformError::UnsupportedKind(_))
    ));
    assert!(matches!(
        normalize("sleep", b"{"),
        Err(TransformError::Malformed(_))
    ));
}
