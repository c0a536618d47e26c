use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::{NormalizedBatch, SeriesType, SleepSession, SleepStage, ZoneOffset};

use super::*;

mod vitals;

pub(super) fn fixture(name: &str) -> &'static [u8] {
    match name {
        "activities" => include_bytes!("../fixtures/activities.json"),
        "activity_details" => include_bytes!("../fixtures/activity_details.json"),
        "manually_updated_activities" => {
            include_bytes!("../fixtures/manually_updated_activities.json")
        }
        "dailies" => include_bytes!("../fixtures/dailies.json"),
        "epochs" => include_bytes!("../fixtures/epochs.json"),
        "sleeps" => include_bytes!("../fixtures/sleeps.json"),
        "stress_details" => include_bytes!("../fixtures/stress_details.json"),
        "all_day_respiration" => include_bytes!("../fixtures/all_day_respiration.json"),
        "pulse_ox" => include_bytes!("../fixtures/pulse_ox.json"),
        "hrv" => include_bytes!("../fixtures/hrv.json"),
        "skin_temp" => include_bytes!("../fixtures/skin_temp.json"),
        "health_snapshot" => include_bytes!("../fixtures/health_snapshot.json"),
        "body_comps" => include_bytes!("../fixtures/body_comps.json"),
        "blood_pressures" => include_bytes!("../fixtures/blood_pressures.json"),
        "user_metrics" => include_bytes!("../fixtures/user_metrics.json"),
        other => panic!("no fixture {other}"),
    }
}

pub(super) fn offset(hours: i64) -> Option<ZoneOffset> {
    Some(ZoneOffset::from_seconds(hours * 3600).unwrap())
}

pub(super) fn ts(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

pub(super) fn series(batch: &NormalizedBatch, kind: SeriesType) -> Vec<(DateTime<Utc>, f64)> {
    batch
        .samples
        .iter()
        .filter(|s| s.series == kind)
        .map(|s| (s.time, s.value))
        .collect()
}

fn stage_seconds(session: &SleepSession, stage: SleepStage) -> i64 {
    session
        .stages
        .iter()
        .filter(|i| i.stage == stage)
        .map(|i| (i.end - i.start).num_seconds())
        .sum()
}

#[test]
fn activities_become_workouts_in_canonical_units_with_their_offset() {
    let batch = normalize("activities", fixture("activities")).unwrap();
    assert_eq!(batch.workouts.len(), 2, "the MULTI_SPORT parent is skipped");
    let run = &batch.workouts[0];
    assert_eq!(run.external_id, "12345678901");
    assert_eq!(run.workout_type, "running");
    assert_eq!(run.name.as_deref(), Some("Morning Run"));
    assert_eq!(
        run.start,
        Utc.with_ymd_and_hms(2024, 1, 15, 9, 0, 0).unwrap()
    );
    assert_eq!(run.duration_seconds(), 3600);
    assert_eq!(run.zone_offset, offset(-5));
    assert_eq!(run.calories_kcal, Some(650.0));
    assert_eq!(run.distance_meters, Some(10_000.0));
    assert_eq!(run.avg_heart_rate_bpm, Some(145.0));
    assert_eq!(run.max_heart_rate_bpm, Some(175.0));
    assert_eq!(run.elevation_gain_meters, Some(45.0));
    assert_eq!(run.device.as_deref(), Some("forerunner965"));
}

#[test]
fn an_unknown_activity_type_is_other_and_string_ids_and_float_times_are_accepted() {
    let batch = normalize("activities", fixture("activities")).unwrap();
    let odd = &batch.workouts[1];
    assert_eq!(odd.external_id, "12345678902");
    assert_eq!(odd.workout_type, "other");
    assert_eq!(odd.name, None);
    assert_eq!(odd.start, ts(1_705_395_600));
    assert_eq!(odd.duration_seconds(), 1824);
    assert_eq!(odd.distance_meters, None);
}

#[test]
fn activity_details_share_the_workout_id_and_yield_sensor_samples() {
    let batch = normalize("activityDetails", fixture("activity_details")).unwrap();
    assert_eq!(batch.workouts.len(), 1);
    let workout = &batch.workouts[0];
    assert_eq!(workout.external_id, "12345678901");
    assert_eq!(workout.workout_type, "trail_running");
    assert_eq!(
        series(&batch, SeriesType::HeartRate),
        vec![(ts(1_705_309_200), 108.0)],
        "a 0 bpm reading is a dropout, not a heart rate"
    );
    assert_eq!(
        series(&batch, SeriesType::Power),
        vec![(ts(1_705_309_215), 251.0)]
    );
    assert_eq!(
        series(&batch, SeriesType::Cadence),
        vec![(ts(1_705_309_200), 160.0), (ts(1_705_309_215), 166.0)]
    );
    assert_eq!(series(&batch, SeriesType::Latitude).len(), 2);
    assert_eq!(series(&batch, SeriesType::Elevation)[1].1, 314.2);
    assert_eq!(
        batch.samples.len(),
        12,
        "the sample without a time is skipped"
    );
    assert!(batch.samples.iter().all(|s| s.zone_offset == offset(-5)));
}

#[test]
fn a_manually_updated_activity_keeps_the_activity_id_as_external_id() {
    let batch = normalize(
        "manuallyUpdatedActivities",
        fixture("manually_updated_activities"),
    )
    .unwrap();
    let workout = &batch.workouts[0];
    assert_eq!(workout.external_id, "12345678901");
    assert_eq!(workout.duration_seconds(), 3900);
    assert_eq!(workout.device.as_deref(), Some("unknown"));
}

#[test]
fn a_sleep_spans_asleep_awake_and_unmeasurable_time_in_utc_with_its_offset() {
    let batch = normalize("sleeps", fixture("sleeps")).unwrap();
    let night = &batch.sleeps[0];
    assert_eq!(night.external_id, "sleep-1705273200");
    assert!(!night.is_nap);
    assert_eq!(
        night.start,
        Utc.with_ymd_and_hms(2024, 1, 14, 23, 0, 0).unwrap()
    );
    assert_eq!(
        night.end,
        Utc.with_ymd_and_hms(2024, 1, 15, 7, 0, 0).unwrap()
    );
    assert_eq!(night.zone_offset, offset(1));
    assert_eq!(night.duration_seconds(), 28_800);
    assert_eq!(night.sleep_duration_seconds, Some(27_000));
    assert_eq!(night.deep_seconds, Some(5_400));
    assert_eq!(night.light_seconds, Some(16_200));
    assert_eq!(night.rem_seconds, Some(5_400));
    assert_eq!(night.awake_seconds, Some(1_800));
    assert_eq!(night.avg_respiratory_rate, Some(14.0));
}

#[test]
fn sleep_stage_intervals_sum_to_the_stage_totals_and_tile_the_night() {
    let batch = normalize("sleeps", fixture("sleeps")).unwrap();
    let night = &batch.sleeps[0];
    assert_eq!(stage_seconds(night, SleepStage::Deep), 5_400);
    assert_eq!(stage_seconds(night, SleepStage::Light), 16_200);
    assert_eq!(stage_seconds(night, SleepStage::Rem), 5_400);
    assert_eq!(stage_seconds(night, SleepStage::Awake), 1_800);
    assert_eq!(night.stages.len(), 11);
    assert_eq!(night.stages.first().unwrap().start, night.start);
    assert_eq!(night.stages.last().unwrap().end, night.end);
    for pair in night.stages.windows(2) {
        assert_eq!(pair[0].end, pair[1].start);
    }
    assert_eq!(night.stages[0].stage, SleepStage::Awake);
    assert_eq!(night.stages[2].stage, SleepStage::Deep);
}

#[test]
fn naps_become_their_own_sessions_and_off_wrist_nights_keep_their_window() {
    let batch = normalize("sleeps", fixture("sleeps")).unwrap();
    assert_eq!(batch.sleeps.len(), 3);
    let nap = batch.sleeps.iter().find(|s| s.is_nap).unwrap();
    assert_eq!(nap.external_id, "nap-1705330800");
    assert_eq!(nap.start, ts(1_705_330_800));
    assert_eq!(nap.duration_seconds(), 1_800);
    assert_eq!(nap.zone_offset, offset(1));
    let off_wrist = batch
        .sleeps
        .iter()
        .find(|s| s.external_id == "sleep-1705359600")
        .unwrap();
    assert!(off_wrist.stages.is_empty());
    assert_eq!(off_wrist.duration_seconds(), 28_260);
    assert_eq!(off_wrist.sleep_duration_seconds, Some(28_260));
    assert_eq!(off_wrist.avg_respiratory_rate, None);
}

#[test]
fn sleep_spo2_and_respiration_become_samples_from_the_sleep_start() {
    let batch = normalize("sleeps", fixture("sleeps")).unwrap();
    assert_eq!(
        series(&batch, SeriesType::OxygenSaturation),
        vec![
            (ts(1_705_273_200), 95.0),
            (ts(1_705_273_500), 96.0),
            (ts(1_705_273_800), 97.0)
        ]
    );
    assert_eq!(series(&batch, SeriesType::RespiratoryRate).len(), 3);
}

#[test]
fn unknown_sleep_levels_are_unknown_stages_not_errors() {
    let body = br#"{"summaryId":"s","startTimeInSeconds":1000,"durationInSeconds":60,
        "sleepLevelsMap":{"light":[{"startTimeInSeconds":1000,"endTimeInSeconds":1060}],
        "restless":[{"startTimeInSeconds":1060,"endTimeInSeconds":1090}],"deep":"garbage",
        "rem":[{"startTimeInSeconds":5}]}}"#;
    let batch = normalize("sleeps", body).unwrap();
    let stages: Vec<SleepStage> = batch.sleeps[0].stages.iter().map(|i| i.stage).collect();
    assert_eq!(stages, vec![SleepStage::Light, SleepStage::Unknown]);
    assert_eq!(batch.sleeps[0].end, ts(1090));
}

#[test]
fn a_daily_summary_becomes_daily_activity_and_heart_rate_samples() {
    let batch = normalize("dailies", fixture("dailies")).unwrap();
    let day = &batch.daily_activity[0];
    assert_eq!(day.external_id, "x3b2f55-65a46970-15180");
    assert_eq!(day.date, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
    assert_eq!(day.zone_offset, offset(1));
    assert_eq!(day.steps, Some(12_500));
    assert_eq!(day.active_calories_kcal, Some(650.0));
    assert_eq!(day.total_calories_kcal, Some(2_450.0), "active + BMR");
    assert_eq!(day.distance_meters, Some(9_500.5));
    assert_eq!(day.active_seconds, Some(4_200));
    assert_eq!(day.medium_activity_seconds, Some(1_200));
    assert_eq!(day.high_activity_seconds, Some(600));
    let start = ts(1_705_273_200);
    assert_eq!(
        series(&batch, SeriesType::HeartRate),
        vec![
            (ts(1_705_273_215), 58.0),
            (ts(1_705_273_230), 60.0),
            (ts(1_705_276_380), 76.0),
            (ts(1_705_276_395), 65.0)
        ],
        "bad keys and null values are skipped"
    );
    assert_eq!(
        series(&batch, SeriesType::RestingHeartRate),
        vec![(start, 55.0)]
    );
    assert_eq!(
        series(&batch, SeriesType::FlightsClimbed),
        vec![(start, 12.0)]
    );
    assert_eq!(
        series(&batch, SeriesType::BasalEnergy),
        vec![(start, 1_800.0)]
    );
}

#[test]
fn epochs_sharing_a_start_do_not_collide_and_sedentary_time_is_not_active_time() {
    let batch = normalize("epochs", fixture("epochs")).unwrap();
    let keys: HashSet<(SeriesType, DateTime<Utc>)> =
        batch.samples.iter().map(|s| (s.series, s.time)).collect();
    assert_eq!(keys.len(), batch.samples.len());
    assert_eq!(batch.samples.len(), 4 + 5 + 5 + 5);
    let steps = series(&batch, SeriesType::Steps);
    assert_eq!(steps.iter().map(|(_, v)| v).sum::<f64>(), 2_060.0);
    assert!(steps.contains(&(ts(1_705_309_202), 250.0)));
    assert_eq!(
        series(&batch, SeriesType::ActiveTime),
        vec![
            (ts(1_705_309_202), 5.0),
            (ts(1_705_310_103), 10.0),
            (ts(1_705_310_106), 5.0)
        ]
    );
    assert_eq!(
        series(&batch, SeriesType::DistanceWalkingRunning)[1],
        (ts(1_705_309_202), 200.5)
    );
    assert!(batch.samples.iter().all(|s| s.zone_offset == offset(-5)));
}

#[test]
fn a_webhook_envelope_or_a_pulled_array_normalizes_like_single_items() {
    let single = normalize("dailies", fixture("dailies")).unwrap();
    let item = std::str::from_utf8(fixture("dailies")).unwrap();
    let envelope = format!(r#"{{"dailies":[{item}]}}"#);
    assert_eq!(normalize("dailies", envelope.as_bytes()).unwrap(), single);
    let array = format!("[{item}]");
    assert_eq!(normalize("dailies", array.as_bytes()).unwrap(), single);
    assert_eq!(
        normalize("dailies", b"[]").unwrap(),
        NormalizedBatch::default()
    );
}

#[test]
fn records_missing_their_id_or_times_are_malformed() {
    let cases: [(&str, &[u8]); 6] = [
        (
            "dailies",
            br#"{"calendarDate":"2024-01-15","startTimeInSeconds":1}"#,
        ),
        (
            "dailies",
            br#"{"summaryId":"d","calendarDate":"2024-01-15"}"#,
        ),
        ("sleeps", br#"{"summaryId":"s","durationInSeconds":60}"#),
        ("activities", br#"{"summaryId":"a","startTimeInSeconds":1}"#),
        ("epochs", br#"{"summaryId":"e","steps":3}"#),
        ("dailies", b"not json"),
    ];
    for (kind, body) in cases {
        assert!(
            matches!(normalize(kind, body), Err(TransformError::Malformed(_))),
            "{kind}: {}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn unknown_kinds_are_unsupported_and_rest_aliases_are_accepted() {
    assert_eq!(
        normalize("activityFiles", b"{}"),
        Err(TransformError::UnsupportedKind("activityFiles".into()))
    );
    assert!(normalize("pulseOx", fixture("pulse_ox")).is_ok());
    assert!(normalize("respiration", fixture("all_day_respiration")).is_ok());
}

#[test]
fn an_offset_beyond_eighteen_hours_is_dropped_not_fatal() {
    let body = br#"{"summaryId":"a","activityId":1,"startTimeInSeconds":1000,"durationInSeconds":60,"startTimeOffsetInSeconds":82800}"#;
    let batch = normalize("activities", body).unwrap();
    assert_eq!(batch.workouts[0].zone_offset, None);
}
