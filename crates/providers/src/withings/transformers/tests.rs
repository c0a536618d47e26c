use chrono::{DateTime, TimeZone, Utc};
use domain::{NormalizedBatch, SeriesType, SleepStage};
use serde_json::json;

use super::normalize;
use crate::error::TransformError;

const MEASURES: &[u8] = include_bytes!("../fixtures/measures_page.json");
const ACTIVITY: &[u8] = include_bytes!("../fixtures/activity_page.json");
const INTRADAY: &[u8] = include_bytes!("../fixtures/intraday.json");
const WORKOUTS: &[u8] = include_bytes!("../fixtures/workouts_page.json");
const SLEEP: &[u8] = include_bytes!("../fixtures/sleep_envelope.json");

fn at(epoch: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(epoch, 0).unwrap()
}

/// `(time, value, offset)` of one series, in order.
fn series(batch: &NormalizedBatch, s: SeriesType) -> Vec<(i64, f64, Option<String>)> {
    batch
        .samples
        .iter()
        .filter(|x| x.series == s)
        .map(|x| {
            (
                x.time.timestamp(),
                x.value,
                x.zone_offset.map(|z| z.to_string()),
            )
        })
        .collect()
}

fn paris() -> Option<String> {
    Some("+01:00".to_owned())
}

#[test]
fn measures_apply_the_unit_exponent_and_skip_objectives_and_unknown_types() {
    let batch = normalize("measures", MEASURES).unwrap();
    assert_eq!(batch.samples.len(), 13);
    let morning = 1_705_298_700;
    assert_eq!(
        series(&batch, SeriesType::Weight),
        vec![(morning, 75.12, paris())]
    );
    assert_eq!(
        series(&batch, SeriesType::LeanBodyMass),
        vec![(morning, 58.93, paris())]
    );
    assert_eq!(
        series(&batch, SeriesType::BodyFatPercentage),
        vec![(morning, 21.55, paris())]
    );
    assert_eq!(
        series(&batch, SeriesType::BodyFatMass),
        vec![(morning, 16.19, paris())]
    );
    assert_eq!(
        series(&batch, SeriesType::SkeletalMuscleMass),
        vec![(morning, 55.84, paris())]
    );
    let evening = 1_705_343_400;
    assert_eq!(
        series(&batch, SeriesType::HeartRate),
        vec![(morning, 71.0, paris()), (evening, 66.0, paris())]
    );
    assert_eq!(
        series(&batch, SeriesType::BloodPressureSystolic),
        vec![(evening, 128.0, paris())]
    );
    assert_eq!(
        series(&batch, SeriesType::BloodPressureDiastolic),
        vec![(evening, 82.0, paris())]
    );
    // The group's own zone wins over the answer's.
    let new_york = Some("-05:00".to_owned());
    let next = 1_705_384_920;
    assert_eq!(
        series(&batch, SeriesType::OxygenSaturation),
        vec![(next, 97.0, new_york.clone())]
    );
    assert_eq!(
        series(&batch, SeriesType::BodyTemperature),
        vec![(next, 36.82, new_york.clone())]
    );
    assert_eq!(
        series(&batch, SeriesType::SkinTemperature),
        vec![(next, 33.91, new_york)]
    );
    // Meters in, centimeters out; the objective weight (category 2) is not a measurement.
    assert_eq!(
        series(&batch, SeriesType::Height),
        vec![(1_701_417_600, 178.0, paris())]
    );
}

#[test]
fn daily_activity_keeps_durations_in_seconds_and_the_local_offset() {
    let batch = normalize("activity", ACTIVITY).unwrap();
    assert_eq!(batch.daily_activity.len(), 2);
    let winter = &batch.daily_activity[0];
    assert_eq!(winter.external_id, "activity:2024-01-15");
    assert_eq!(winter.date.to_string(), "2024-01-15");
    assert_eq!(winter.zone_offset.unwrap().to_string(), "+01:00");
    assert_eq!(winter.steps, Some(8543));
    assert_eq!(winter.distance_meters, Some(6234.5));
    assert_eq!(winter.active_calories_kcal, Some(312.5));
    assert_eq!(winter.total_calories_kcal, Some(2150.0));
    assert_eq!(winter.low_activity_seconds, Some(2340));
    assert_eq!(winter.medium_activity_seconds, Some(1200));
    assert_eq!(winter.high_activity_seconds, Some(600));
    assert_eq!(winter.active_seconds, Some(1800));
    assert_eq!(winter.sedentary_seconds, None);
    // Summer time, and `active` derived from moderate + intense when absent.
    let summer = &batch.daily_activity[1];
    assert_eq!(summer.zone_offset.unwrap().to_string(), "+02:00");
    assert_eq!(summer.active_seconds, Some(2400));
    assert_eq!(summer.total_calories_kcal, Some(2422.5));
}

#[test]
fn intraday_points_become_samples_without_a_zone_and_zero_heart_rates_are_gaps() {
    let batch = normalize("intraday_activity", INTRADAY).unwrap();
    assert_eq!(
        series(&batch, SeriesType::HeartRate),
        vec![(1_705_298_400, 64.0, None)]
    );
    assert_eq!(
        series(&batch, SeriesType::Steps),
        vec![(1_705_299_000, 112.0, None)]
    );
    assert_eq!(
        series(&batch, SeriesType::Energy),
        vec![(1_705_299_000, 4.75, None)]
    );
    assert_eq!(
        series(&batch, SeriesType::DistanceWalkingRunning),
        vec![(1_705_299_000, 87.5, None)]
    );
    assert_eq!(
        series(&batch, SeriesType::OxygenSaturation),
        vec![(1_705_299_600, 96.0, None)]
    );
    assert_eq!(batch.samples.len(), 5);
    let empty = normalize("intraday_activity", br#"{"status":0,"body":{"series":[]}}"#).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn workouts_map_categories_and_prefer_measured_over_manual_values() {
    let batch = normalize("workouts", WORKOUTS).unwrap();
    assert_eq!(batch.workouts.len(), 2);
    let run = &batch.workouts[0];
    assert_eq!(run.external_id, "3487654321");
    assert_eq!(run.workout_type, "running");
    assert_eq!(run.start, at(1_705_338_000));
    assert_eq!(run.duration_seconds(), 2700);
    assert_eq!(run.zone_offset.unwrap().to_string(), "+01:00");
    assert_eq!(run.calories_kcal, Some(512.4));
    assert_eq!(run.distance_meters, Some(8120.6));
    assert_eq!(run.avg_heart_rate_bpm, Some(148.0));
    assert_eq!(run.max_heart_rate_bpm, Some(171.0));
    assert_eq!(run.elevation_gain_meters, Some(54.0));
    // Unknown category, manual entry, half-hour zone.
    let manual = &batch.workouts[1];
    assert_eq!(manual.workout_type, "other");
    assert_eq!(manual.zone_offset.unwrap().to_string(), "+05:30");
    assert_eq!(manual.calories_kcal, Some(240.0));
    assert_eq!(manual.distance_meters, Some(1500.0));
    assert_eq!(manual.avg_heart_rate_bpm, None);
}

#[test]
fn sleep_sessions_carry_stage_intervals_that_sum_to_the_stage_totals() {
    let batch = normalize("sleep", SLEEP).unwrap();
    assert_eq!(batch.sleeps.len(), 2);
    let night = &batch.sleeps[0];
    assert_eq!(night.external_id, "2081804253");
    assert_eq!(
        (night.start, night.end),
        (at(1_705_267_800), at(1_705_296_600))
    );
    assert_eq!(night.zone_offset.unwrap().to_string(), "+01:00");
    assert!(!night.is_nap);
    assert_eq!(night.sleep_duration_seconds, Some(26_400));
    assert_eq!(night.efficiency_percent, Some(92.0));
    assert_eq!(night.awake_seconds, Some(2400));
    assert_eq!(night.light_seconds, Some(13_800));
    assert_eq!(night.deep_seconds, Some(7200));
    assert_eq!(night.rem_seconds, Some(5400));
    assert_eq!(night.avg_heart_rate_bpm, Some(56.0));
    assert_eq!(night.lowest_heart_rate_bpm, Some(48.0));
    assert_eq!(night.avg_respiratory_rate, Some(14.0));
    assert_eq!(night.avg_hrv_rmssd_ms, Some(50.0));
    // The segment repeated on the boundary of the two `get` answers counts once.
    assert_eq!(night.stages.len(), 10);
    assert!(night.stages.windows(2).all(|w| w[0].end == w[1].start));
    assert_eq!(night.stages[0].start, night.start);
    assert_eq!(night.stages[9].end, night.end);
    let total = |stage| -> i64 {
        night
            .stages
            .iter()
            .filter(|i| i.stage == stage)
            .map(|i| (i.end - i.start).num_seconds())
            .sum()
    };
    assert_eq!(Some(total(SleepStage::Awake)), night.awake_seconds);
    assert_eq!(Some(total(SleepStage::Light)), night.light_seconds);
    assert_eq!(Some(total(SleepStage::Deep)), night.deep_seconds);
    assert_eq!(Some(total(SleepStage::Rem)), night.rem_seconds);

    // A short session is a nap; an unknown zone leaves the offset empty; 75 is already %.
    let nap = &batch.sleeps[1];
    assert_eq!(nap.external_id, "2081804254");
    assert!(nap.is_nap);
    assert_eq!(nap.zone_offset, None);
    assert_eq!(nap.efficiency_percent, Some(75.0));
    let stages: Vec<_> = nap.stages.iter().map(|i| i.stage).collect();
    assert_eq!(stages, vec![SleepStage::Awake, SleepStage::Light]);
}

#[test]
fn sleep_series_are_split_by_kind_and_hrv_keeps_sdnn_and_rmssd_apart() {
    let batch = normalize("sleep", SLEEP).unwrap();
    assert_eq!(
        series(&batch, SeriesType::HeartRate),
        vec![
            (1_705_268_700, 58.0, paris()),
            (1_705_269_300, 56.0, paris()),
            (1_705_272_300, 50.0, paris()),
            (1_705_278_300, 54.0, paris()),
            (1_705_324_200, 60.0, None),
        ]
    );
    assert_eq!(
        series(&batch, SeriesType::RespiratoryRate)
            .iter()
            .map(|s| s.1)
            .collect::<Vec<_>>(),
        vec![14.0, 12.0, 13.0]
    );
    assert_eq!(
        series(&batch, SeriesType::HeartRateVariabilitySdnn)
            .iter()
            .map(|s| s.1)
            .collect::<Vec<_>>(),
        vec![62.0, 70.0]
    );
    assert_eq!(
        series(&batch, SeriesType::HeartRateVariabilityRmssd)
            .iter()
            .map(|s| s.1)
            .collect::<Vec<_>>(),
        vec![45.0, 55.0, 50.0]
    );
    assert_eq!(
        series(&batch, SeriesType::BreathingDisturbanceIndex),
        vec![(1_705_296_600, 12.0, paris())]
    );
    assert_eq!(batch.samples.len(), 14);
}

#[test]
fn a_bare_summary_page_gives_sessions_with_totals_only() {
    let value: serde_json::Value = serde_json::from_slice(SLEEP).unwrap();
    let summary = serde_json::to_vec(&value["summary"]).unwrap();
    let batch = normalize("sleep", &summary).unwrap();
    assert_eq!(batch.sleeps.len(), 2);
    assert!(batch.sleeps.iter().all(|s| s.stages.is_empty()));
    assert_eq!(batch.sleeps[0].deep_seconds, Some(7200));
}

#[test]
fn unknown_sleep_states_are_kept_as_unknown_stages() {
    let body = json!({
        "summary": {"status": 0, "body": {"series": [
            {"id": 1, "timezone": "UTC", "startdate": 0, "enddate": 14_400, "data": {}}
        ]}},
        "details": [{"status": 0, "body": {"series": [
            {"startdate": 0, "enddate": 3600, "state": 42},
            {"startdate": 3600, "enddate": 7200, "state": 15},
            {"startdate": 7200, "enddate": 10_800, "state": 4},
            {"startdate": 10_800, "enddate": 20_000, "state": 5}
        ]}}]
    });
    let batch = normalize("sleep", body.to_string().as_bytes()).unwrap();
    let stages: Vec<_> = batch.sleeps[0].stages.iter().map(|i| i.stage).collect();
    assert_eq!(
        stages,
        vec![
            SleepStage::Unknown,
            SleepStage::Awake,
            SleepStage::Sleeping,
            SleepStage::Unknown
        ]
    );
    // Segments are clipped to the session.
    assert_eq!(batch.sleeps[0].stages[3].end, at(14_400));
}

#[test]
fn documents_missing_their_id_or_times_are_malformed() {
    let cases: [(&str, serde_json::Value); 5] = [
        (
            "workouts",
            json!({"status": 0, "body": {"series": [{"startdate": 1, "enddate": 2}]}}),
        ),
        (
            "workouts",
            json!({"status": 0, "body": {"series": [{"id": 1, "enddate": 2}]}}),
        ),
        (
            "sleep",
            json!({"status": 0, "body": {"series": [{"id": 1, "enddate": 2}]}}),
        ),
        (
            "measures",
            json!({"status": 0, "body": {"measuregrps": [{"grpid": 1, "measures": []}]}}),
        ),
        (
            "activity",
            json!({"status": 0, "body": {"activities": [{"steps": 10}]}}),
        ),
    ];
    for (kind, body) in cases {
        let err = normalize(kind, body.to_string().as_bytes()).unwrap_err();
        assert!(
            matches!(err, TransformError::Malformed(_)),
            "{kind}: {err:?}"
        );
    }
}

#[test]
fn error_answers_and_non_json_are_malformed_and_unknown_kinds_unsupported() {
    let error = br#"{"status":401,"body":{},"error":"invalid_token"}"#;
    assert!(matches!(
        normalize("measures", error),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("activity", b"[1,2]"),
        Err(TransformError::Malformed(_))
    ));
    assert!(matches!(
        normalize("heart", b"{}"),
        Err(TransformError::UnsupportedKind(_))
    ));
    let empty = normalize(
        "workouts",
        br#"{"status":0,"body":{"series":[],"more":false}}"#,
    );
    assert!(empty.unwrap().is_empty());
}
